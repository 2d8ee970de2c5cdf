"""Engine set-up per database: SQLite gets WAL, a busy timeout and write locks up front."""
from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15000
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sqlite_connect(dbapi_connection, connection_record) -> None:
    # We issue BEGIN ourselves (below) instead of letting the driver do it late.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    # A transaction that reads and then writes cannot wait for the write lock in
    # WAL mode: it fails at once with "database is locked" if another writer got in
    # between. Requests that may write take the lock when they begin, so they queue
    # for the busy timeout instead; reads (and the CLI) still run side by side.
    writing = has_request_context() and request.method not in _READ_METHODS
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)


def init_app(app: Flask) -> None:
    with app.app_context():
        configure_engine(db.engine)
