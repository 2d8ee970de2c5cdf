"""Migrations: upgrade from empty equals the models (no drift), and downgrade works."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from backoffice.extensions import db

from .databases import PG_SKIP_REASON, PG_URL, empty_database, make_app


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_matches_models_and_downgrade_to_base(kind, tmp_path):
    if kind == "postgresql" and not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    with empty_database(kind, tmp_path) as url:
        app = make_app(url)
        with app.app_context():
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
            db.engine.dispose()
