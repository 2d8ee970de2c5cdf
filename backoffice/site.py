"""Site-wide routes: the root, the health check and the language switch."""
from flask import Blueprint, current_app, redirect, request, session, url_for
from sqlalchemy import text

from .extensions import db
from .security import safe_next_url

bp = Blueprint("site", __name__)


@bp.route("/")
def root():
    return redirect(url_for("admin.index"))


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
