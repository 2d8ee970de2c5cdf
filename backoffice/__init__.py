"""The after-sales back office (售后服务管理后台): the application factory."""
import gc
import os

from flask import current_app, has_request_context, session
from werkzeug.middleware.proxy_fix import ProxyFix

from . import clock, config, database, security
from .extensions import babel, csrf, db, migrate


def create_app(overrides: dict | None = None) -> security.Flask:
    """Build the app; `overrides` (tests) win over the environment and defaults."""
    app = security.Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None)
    app.config.from_object(config.Config)
    app.config.update(overrides or {})
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = config.secret_key(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = config.database_url(app.instance_path)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                          config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    clock.configure(app.config["APP_TIMEZONE"])

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=_locale,
        timezone_selector=lambda: app.config["APP_TIMEZONE"],
    )
    security.init_app(app)

    from . import (
        audit,  # noqa: F401  (registers the audit and soft-delete hooks)
        auth,
        cli,
        errors,
        formatting,
        site,
    )
    from .views import init_admin

    auth.init_app(app)
    app.register_blueprint(site.bp)
    errors.init_app(app)
    formatting.init_app(app)
    cli.init_app(app)
    init_admin(app)
    _freeze_when_warm(app, app.config["GC_FREEZE_AFTER_REQUESTS"])
    return app


def _freeze_when_warm(app, requests: int) -> None:
    """Once the process has served `requests` requests, move what is alive then out of
    the garbage collector's reach (gc.freeze): it stays, and full collections stop
    walking it."""
    if not requests:
        return
    left = [requests]

    @app.teardown_request
    def _count(_error=None) -> None:
        if left[0]:
            left[0] -= 1
            if not left[0]:
                gc.collect()
                gc.freeze()


def _locale() -> str:
    lang = session.get("lang") if has_request_context() else None
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]
