"""An agent's queue counted from the index alone (issue 8).

ix_follow_up_call_queue becomes (status, agent_id, due_by, due_from) over the calls not
deleted: the counts of an agent's queue on their home page (late, due today, the week
ahead) no longer read each of the agent's open calls' rows for its due_from and
deleted_at (7 ms for 4,600 open calls; now a fraction of that).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')


def upgrade():
    with op.batch_alter_table('follow_up_call', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_call_queue')
        batch_op.create_index('ix_follow_up_call_queue', ['status', 'agent_id', 'due_by', 'due_from'], unique=False, sqlite_where=LIVE, postgresql_where=LIVE, postgresql_include=['id'])


def downgrade():
    with op.batch_alter_table('follow_up_call', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_call_queue', sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index('ix_follow_up_call_queue', ['status', 'agent_id', 'due_by'], unique=False)
