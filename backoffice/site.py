"""Site-wide routes: the root, the health check, the language switch and the icon."""
from flask import Blueprint, current_app, redirect, request, send_from_directory, session, url_for
from sqlalchemy import text

from .extensions import db
from .security import safe_next_url

bp = Blueprint("site", __name__)


@bp.route("/")
def root():
    return redirect(url_for("admin.index"))


@bp.route("/favicon.ico")
def favicon():
    """The icon, for browsers that ask for it at this address whatever the page says."""
    return send_from_directory(current_app.static_folder, "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)


@bp.route("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.route("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next_url(request.args.get("next"), url_for("admin.index")))
