"""Error pages in the user's language."""
import logging

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from .extensions import db
from .files import FileUnavailable
from .pdf import FontMissing

log = logging.getLogger(__name__)

_PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (
        _l("No permission"),
        _l("Your role does not allow this page or action. Ask an administrator if you need it."),
    ),
    404: (_l("Page not found"), _l("The page or record does not exist, or it was deleted.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("File too large"), _l("The file is larger than the limit of %(mb)d MB.")),
    503: (_l("Cannot be done on this server"), _l("Please tell the administrator.")),
    500: (
        _l("Something went wrong"),
        _l("The error was logged and nothing was saved. Please try again."),
    ),
}


def render_error(status: int, message=None):
    title, default = _PAGES[status]
    return render_template(
        "errors/error.html", status=status, title=title, message=message or default
    ), status


def init_app(app: Flask) -> None:
    for status in (400, 403, 404, 405):
        app.register_error_handler(status, lambda e, s=status: render_error(s))

    @app.errorhandler(413)
    def _too_large(e):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return render_error(413, _PAGES[413][1] % {"mb": limit})

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return render_error(
            400,
            _l("The form has expired or was sent from elsewhere. Reload the page and try again."),
        )

    @app.errorhandler(FontMissing)
    def _no_font(e):
        log.error("PDF requested, but no CJK font is installed: %s", e)
        return render_error(503, str(e))

    @app.errorhandler(FileUnavailable)
    def _file_unavailable(e):
        return render_error(503, str(e))  # files.read logged why

    @app.errorhandler(500)
    def _server_error(e):
        db.session.rollback()
        return render_error(500)
