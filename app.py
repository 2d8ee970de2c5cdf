"""Entry point for `flask --app app` and gunicorn (`gunicorn app:app`)."""
from backoffice import create_app
from backoffice.collector import collect_between_requests

app = create_app()
collect_between_requests(app)
