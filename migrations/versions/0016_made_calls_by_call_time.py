"""An index of the made calls by call time (issue 8).

The call list filtered on "made on time" or "made late" and sorted by call time read
every made call through the state's index and sorted them (2.5 s on two million). This
index holds the made calls (call time set, not deleted) by state and call time, with
the call day and the window's end those states compare: the page is read in its order,
its count from the index alone. Its WHERE keeps it for the queries that say
`called_at IS NOT NULL` (the made states do: followups._MADE), so that SQLite, which has
no statistics, does not take it for the planned calls' pages and counts.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 01:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

MADE = sa.text('deleted_at IS NULL AND called_at IS NOT NULL')


def upgrade():
    with op.batch_alter_table('follow_up_call', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_call_made_called_at',
                              ['status', 'called_at', 'called_on', 'due_by'], unique=False,
                              sqlite_where=MADE, postgresql_where=MADE)


def downgrade():
    with op.batch_alter_table('follow_up_call', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_call_made_called_at', sqlite_where=MADE,
                            postgresql_where=MADE)
