"""One index for a complaint's responsible: (owner_id, closed_at) (issue 8).

It replaces ix_complaint_owner_id (owner_id) and ix_complaint_owner_open (owner_id over
the open complaints not deleted). With both, SQLite, which keeps no statistics here,
chose between two equally good looking indexes by the order they were made: when it
took the plain one, an agent's count of open complaints on their home page read every
complaint the agent ever had (25,000 rows, 7 ms). Now `owner_id = ? AND closed_at IS
NULL` is one search of one index; the responsible's filter uses it too.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 04:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OPEN_AND_LIVE = sa.text('closed_at IS NULL AND deleted_at IS NULL')


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_owner_id')
        batch_op.drop_index('ix_complaint_owner_open', sqlite_where=OPEN_AND_LIVE, postgresql_where=OPEN_AND_LIVE)
        batch_op.create_index('ix_complaint_owner', ['owner_id', 'closed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_owner')
        batch_op.create_index('ix_complaint_owner_open', ['owner_id'], unique=False, sqlite_where=OPEN_AND_LIVE, postgresql_where=OPEN_AND_LIVE)
        batch_op.create_index('ix_complaint_owner_id', ['owner_id'], unique=False)
