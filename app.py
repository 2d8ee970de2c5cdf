"""Entry point for `flask --app app` and gunicorn (`gunicorn app:app`)."""
import gc

from backoffice import create_app

app = create_app()
# What the app holds from here on (modules, classes, caches) is never garbage: kept out
# of the collector's full passes, which otherwise walk it all every so often - a
# 100 ms pause in one request of a few hundred (and, under gunicorn --preload, pages
# copied into each worker as the collector touches them).
gc.freeze()
