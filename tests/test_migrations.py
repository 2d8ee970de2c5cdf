"""Migrations: upgrade from empty equals the models (no drift), and downgrade works."""
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from backoffice.extensions import db

from .databases import PG_SKIP_REASON, PG_URL, empty_database, make_app


@contextmanager
def empty_app(kind: str, tmp_path):
    """The app on an empty database of this kind, within its app context."""
    if kind == "postgresql" and not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    with empty_database(kind, tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            try:
                yield
            finally:
                db.engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_matches_models_and_downgrade_to_base(kind, tmp_path):
    with empty_app(kind, tmp_path):
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            drift = compare_metadata(context, db.metadata)
        assert drift == [], f"models and migrations differ: {drift}"

        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names())
        assert tables <= {"alembic_version"}, tables

        upgrade()  # and back up again: the downgrade left nothing in the way
        assert "user_account" in sa.inspect(db.engine).get_table_names()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_keeps_records_that_point_at_a_rebuilt_table(kind, tmp_path):
    """SQLite rebuilds a table to change a column (0010 rebuilds stored_file): with rows
    of other tables pointing at it, that must neither fail on their foreign keys nor
    lose them, and the connections keep enforcing foreign keys afterwards."""
    with empty_app(kind, tmp_path):
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO stored_file (id, purpose, mimetype, size, sha256, data, "
                "created_at) VALUES (7, 'emergency_plan', 'application/pdf', 5, 'x', "
                ":data, CURRENT_TIMESTAMP)"), {"data": b"%PDF-"})
            conn.execute(sa.text(
                "INSERT INTO emergency_plan (id, title, file_id, created_at, updated_at, "
                "version) VALUES (3, '消防应急预案', 7, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP, 1)"))
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT emergency_plan.title, stored_file.data FROM emergency_plan "
                "JOIN stored_file ON stored_file.id = emergency_plan.file_id")).all() == [
                ("消防应急预案", b"%PDF-")]
            if kind == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_downgrade_below_0010_stops_while_files_are_in_the_bucket(kind, tmp_path, capfd):
    """Before 0010 a stored file's bytes had to be in the row: with files in the S3
    bucket, the downgrade refuses, changing nothing; once none is, it goes through."""
    with empty_app(kind, tmp_path):
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO stored_file (id, purpose, mimetype, size, sha256, object_key, "
                "created_at) VALUES (7, 'emergency_plan', 'application/pdf', 5, 'x', "
                "'files/7', CURRENT_TIMESTAMP)"))
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
            downgrade(revision="0009")
        assert "1 stored files are in the S3 bucket" in capfd.readouterr().err
        with db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == "0010"
            assert conn.execute(sa.text(
                "SELECT object_key, data FROM stored_file")).all() == [("files/7", None)]
        with db.engine.begin() as conn:  # its bytes brought back into the row
            conn.execute(sa.text("UPDATE stored_file SET data = :data, object_key = NULL"),
                         {"data": b"%PDF-"})
        downgrade(revision="0009")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT data FROM stored_file")).all() == [(b"%PDF-",)]
