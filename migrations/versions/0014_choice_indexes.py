"""Indexes for the lists' filters on a column of a few values (issue 8).

A filter such as a call's type, direction or result, a customer's type or channel, a
visit's type, read a list's whole order index when the chosen value was rare (3 s for
"complaint calls" on two million calls). Each such column gets an index of the rows not
deleted, which the list counts through and, for a rare value, reads its rows by
(base._apply_filters). Its WHERE says `column > ''` so that on SQLite, which has no
statistics, only the lists' filters (which say the same term) can use it: other
queries naming the column keep their own, better indexes (models.choice_index).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 17:30:24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

CHOICES = {
    'complaint': ('kind', 'severity'),
    'customer': ('kind', 'preferred_channel'),
    'follow_up_call': ('direction', 'kind', 'reached'),
    'letter': ('channel', 'kind'),
    'safety_inspection': ('area', 'kind'),
    'visit': ('kind',),
}


def upgrade():
    for table, columns in CHOICES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                where = sa.text(f"deleted_at IS NULL AND {column} > ''")
                batch_op.create_index(f'ix_{table}_choice_{column}', [column], unique=False,
                                      sqlite_where=where, postgresql_where=where)


def downgrade():
    for table, columns in CHOICES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(f'ix_{table}_choice_{column}')
