"""Test databases: SQLite files always, PostgreSQL schemas when TEST_DATABASE_URL is set."""
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from backoffice import create_app
from backoffice.config import TestConfig, normalize_database_url
from backoffice.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL")
PG_SKIP_REASON = "PostgreSQL tests skipped: TEST_DATABASE_URL is not set"


def make_app(url: str, **extra):
    return create_app(TestConfig.settings(SQLALCHEMY_DATABASE_URI=url, **extra))


def migrate(url: str) -> None:
    app = make_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@contextmanager
def pg_schema():
    """A fresh, empty PostgreSQL schema in the test database; dropped afterwards."""
    base = normalize_database_url(PG_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def empty_database(kind: str, folder: Path):
    """The URL of an empty database of `kind` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'empty-{uuid.uuid4().hex[:8]}.sqlite3'}"
    else:
        with pg_schema() as url:
            yield url


class MigratedDatabase:
    """One migrated database per backend and test session; each test starts it empty."""

    def __init__(self, kind: str, url: str, template: Path | None = None):
        self.kind, self.url, self.template = kind, url, template

    def fresh_url(self, folder: Path) -> str:
        if self.kind == "sqlite":
            path = folder / "test.sqlite3"
            shutil.copyfile(self.template, path)
            return f"sqlite:///{path}"
        engine = sa.create_engine(normalize_database_url(self.url))
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return self.url
