"""Fixtures: an app per test on every available database, and signed-in clients."""
import contextvars
import re
from datetime import datetime

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

from backoffice import clock
from backoffice.extensions import db

from .databases import (
    PG_SKIP_REASON,
    PG_URL,
    MigratedDatabase,
    make_app,
    migrate,
    pg_schema,
)
from .factories import PASSWORD, make_user

BACKENDS = ["sqlite", "postgresql"]


def pytest_report_header(config):
    if PG_URL:
        return f"databases: SQLite and PostgreSQL ({PG_URL})"
    return f"databases: SQLite only. {PG_SKIP_REASON}."


def pytest_terminal_summary(terminalreporter):
    if not PG_URL:
        terminalreporter.write_sep("!", f"{PG_SKIP_REASON}; only SQLite was tested", yellow=True)


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory):
    """A migrated database of each kind, created once per test session."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("db") / "template.sqlite3"
        migrate(f"sqlite:///{template}")
        yield MigratedDatabase("sqlite", None, template)
    else:
        if not PG_URL:
            pytest.skip(PG_SKIP_REASON)
        with pg_schema() as url:
            migrate(url)
            yield MigratedDatabase("postgresql", url)


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in a context of its own, as in production.

    The tests hold an app context open (for factories and queries); Flask would
    otherwise reuse it, and its `g` and database session, for every request. The
    test's own transaction is committed first, so the request sees the test's data
    and the test's next query sees the request's (SQLite reads from a snapshot).
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        kwargs.setdefault("buffered", True)  # streamed bodies too finish in that context
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database, tmp_path):
    """The real app on an empty, migrated database, its app context pushed."""
    app = make_app(database.fresh_url(tmp_path))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def freeze():
    """Set the app's clock: freeze(datetime) (naive = Asia/Shanghai); released after."""
    yield clock.freeze
    clock.freeze(None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, url: str | None = None) -> str:
    """The CSRF token of the client's session, read from a page's form."""
    response = client.get(url or "/logout")
    if url is None and response.status_code == 302:  # signed out: the sign-in form
        response = client.get("/login")
    html = response.get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class Auth:
    """Sign the test client in and out as a role, like flaskr's `auth` fixture."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = PASSWORD, **extra):
        token = csrf_token(self.client, "/login")
        return self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token, **extra},
        )

    def login_as(self, role: str):
        """Create a user with `role` (named after it) if needed, and sign in."""
        from backoffice.auth import find_user

        if find_user(role) is None:
            make_user(role)
        response = self.login(role)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def post(self, url: str, data: dict | None = None, **kwargs):
        """POST with the session's CSRF token, as the browser's form would."""
        data = {"csrf_token": csrf_token(self.client), **(data or {})}
        return self.client.post(url, data=data, **kwargs)

    def logout(self):
        return self.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def advisor(auth, freeze):
    """Service advisor 陈刚, signed in, on Friday 2026-11-27 at 10:00 (Asia/Shanghai)."""
    freeze(datetime(2026, 11, 27, 10, 0))
    user = make_user("service_advisor", "advisor", display_name="陈刚")
    auth.login("advisor")
    return user
