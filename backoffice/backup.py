"""Backup and restore of the SQLite database with SQLite's online backup API.

The backup API copies the database page by page through SQLite itself, so a copy
taken while the app serves is consistent: the source is read inside one read
transaction (in WAL mode writers carry on meanwhile, and the copy is the database as
it was when that transaction began). A file copy of a live WAL database is not.
PostgreSQL has pg_dump / pg_restore for this (README, Production).
"""
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.engine import make_url

from .database import SQLITE_BUSY_TIMEOUT_MS

# Pages copied per step of the backup API: about 4 MB at SQLite's default page size.
PAGES_PER_STEP = 1024
_HEADER = b"SQLite format 3\x00"


class Refused(Exception):
    """The database or the file cannot be used; the message says why (translated)."""


@dataclass(frozen=True)
class Summary:
    """What a database file holds, as the commands report it."""

    size: int
    tables: int
    revision: str | None


def sqlite_path(url) -> Path | None:
    """The file of a SQLite database URL; None for any other database (or :memory:)."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    target = f"file:{path}?mode=ro" if read_only else f"file:{path}"
    return sqlite3.connect(target, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
                           isolation_level=None)


def summary(path: Path) -> Summary:
    """Size, number of tables and Alembic revision of a database file."""
    connection = _connect(path, read_only=True)
    try:
        return _summary(connection, path)
    finally:
        connection.close()


def _summary(connection: sqlite3.Connection, path: Path) -> Summary:
    tables = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    revision = None
    if "alembic_version" in tables:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    return Summary(path.stat().st_size, len(tables), revision)


def copy(source: Path, target: Path, *, overwrite: bool = False) -> None:
    """A consistent copy of the database `source` into the new file `target`.

    The copy is written beside the target under a temporary name and moved into place
    when complete, so a half-written backup never carries the target's name.
    """
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    src = _connect(source)
    try:
        # One read transaction for every step: each step reads the same snapshot, so
        # writes by the app meanwhile neither restart the copy nor tear it.
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            # A backup is one self-contained file, without -wal and -shm beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
        src.execute("COMMIT")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    if overwrite:
        os.replace(partial, target)
        return
    try:
        os.link(partial, target)  # fails if the target appeared meanwhile: never overwrite
    finally:
        partial.unlink()


def check(path: Path) -> Summary:
    """Refused unless `path` is an intact SQLite database at a revision this code knows."""
    with path.open("rb") as fh:
        if fh.read(len(_HEADER)) != _HEADER:
            raise Refused(_("%(path)s is not a SQLite database.", path=path))
    try:
        connection = _connect(path, read_only=True)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            found = _summary(connection, path)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise Refused(_("%(path)s cannot be read as a database: %(error)s.", path=path,
                        error=error)) from None
    if problems != ["ok"]:
        raise Refused(_("%(path)s is damaged (integrity check: %(problem)s).", path=path,
                        problem="; ".join(problems[:3])))
    if found.revision is None:
        raise Refused(_("%(path)s has no database revision (alembic_version): it is not a "
                        "database of this application.", path=path))
    if found.revision not in known_revisions():
        raise Refused(_("%(path)s is at database revision %(revision)s, which this version "
                        "of the application does not know (newer, or not ours).", path=path,
                        revision=found.revision))
    return found


def _scripts() -> ScriptDirectory:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def known_revisions() -> set[str]:
    """Every revision from the first migration to head (the ones this code can upgrade)."""
    return {script.revision for script in _scripts().walk_revisions()}


def head_revision() -> str:
    return _scripts().get_current_head()


def aside_path(database: Path, now: datetime | None = None) -> Path:
    """Where the current database is kept before a restore: <db>.before-restore-<time>."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    path = database.with_name(f"{database.name}.before-restore-{stamp}")
    number = 1
    while path.exists():
        number += 1
        path = database.with_name(f"{database.name}.before-restore-{stamp}-{number}")
    return path


def put_in_place(source: Path, database: Path) -> None:
    """Overwrite the live database with the file `source`, through the backup API.

    The whole copy is one write transaction on the live database: the app's readers see
    the old database until it commits, then the new one, never a mix.
    """
    src = _connect(source, read_only=True)
    try:
        dst = _connect(database)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
        finally:
            dst.close()
    finally:
        src.close()


def human_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
