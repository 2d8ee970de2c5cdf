"""The garbage collector of a serving process: run between requests, not inside them."""
import gc

from flask import Flask, Response

# New objects before the collector runs by itself: more than an ordinary page makes
# (a home page ~11,000, a list ~1,500), so that only long requests (an export, an
# import) are ever paused by it. Python's default, 700, made it run several times in
# a home page; every tenth request it walked all the page's objects then (10-20 ms).
YOUNG_THRESHOLD = 20_000


def collect_between_requests(app: Flask) -> None:
    """What the started app holds from here on (modules, classes, caches) is never
    garbage: kept out of the collector's passes (gc.freeze), which otherwise walk it all
    every so often (a 100 ms pause in one request of a few hundred; under gunicorn
    --preload, pages copied into each worker as the collector touches them). A
    request's own garbage is collected once its response has been sent."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    app.after_request(_collect_when_sent)


def _collect_when_sent(response: Response) -> Response:
    response.call_on_close(collect)
    return response


def collect() -> None:
    """The collector's own schedule, run now: the young objects each time, the middle
    generation every tenth time, everything every hundredth (Python's thresholds of 10
    between generations)."""
    _, young_runs, middle_runs = gc.get_count()
    middle, old = gc.get_threshold()[1:]
    gc.collect(2 if middle_runs > old else 1 if young_runs > middle else 0)
