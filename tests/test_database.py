"""The database set-up: SQLite in WAL mode with a busy timeout; concurrent writers queue."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from backoffice.config import normalize_database_url
from backoffice.extensions import db
from backoffice.models import User

from .conftest import Auth
from .factories import make_user


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app, database):
    if database.kind != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_connection_the_server_dropped_is_replaced_before_use(app, database):
    """A pooled PostgreSQL connection the server dropped (a restart, an idle timeout)
    is tested and replaced before a query uses it; a SQLite file has no connection to
    lose, and nothing is pinged before each request's first query."""
    assert db.engine.pool._pre_ping is (database.kind != "sqlite")
    if database.kind == "sqlite":
        return
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.commit()  # the connection goes back to the pool
    with db.engine.pool._creator() as other:  # a connection of its own, not pooled
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid


def test_default_database_is_a_file_under_instance(monkeypatch, tmp_path):
    from backoffice.config import database_url

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url(str(tmp_path)) == f"sqlite:///{tmp_path}/backoffice.sqlite3"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h:5432/d", "postgresql+psycopg://u@h:5432/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_uses_psycopg3(given, expected):
    assert normalize_database_url(given) == expected


def test_concurrent_writers_all_succeed(app):
    """Do 8 people saving at once all get their records saved, with no error?"""
    make_user("admin")
    clients = []
    for _ in range(8):
        auth = Auth(app.test_client())
        auth.login("admin")
        clients.append(auth)

    def create_users(n: int) -> list[int]:
        auth = clients[n]
        statuses = []
        for i in range(5):
            password = "a long passphrase 1"
            response = auth.post("/admin/user/new/", {
                "username": f"u{n}_{i}", "display_name": f"用户{n}{i}", "role": "trainer",
                "active": "y", "new_password": password, "confirm_password": password,
            })
            statuses.append(response.status_code)
        return statuses

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(create_users, range(8)))
    assert all(status == 302 for statuses in results for status in statuses), results
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1 + 8 * 5
