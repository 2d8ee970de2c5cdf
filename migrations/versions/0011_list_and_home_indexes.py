"""Indexes for a filtered call list and for home pages (issue 8).

- Calls by state: (status, id, due_from, due_by, agent_id) over the calls not deleted.
  "Due now" reads the newest calls of the state in index order and stops at a page's
  20, instead of sorting every planned call; its count, and the counts of an agent's
  queue on their home page, come from the index alone.
- An agent's open complaints and requests (their home page): owner_id over the open
  ones not deleted.
- The safety schedule (home pages of the safety officer and the admin) asks for each
  template and area's last signed inspection: the index becomes (template_id, area,
  inspected_on) over the signed inspections not deleted, so the answer comes from the
  index alone instead of every inspection's row.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')
OPEN_AND_LIVE = sa.text('closed_at IS NULL AND deleted_at IS NULL')
SIGNED_AND_LIVE = sa.text('signed_at IS NOT NULL AND deleted_at IS NULL')


def upgrade():
    with op.batch_alter_table('follow_up_call', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_call_state', ['status', 'id', 'due_from', 'due_by', 'agent_id'], unique=False, sqlite_where=LIVE, postgresql_where=LIVE)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_owner_open', ['owner_id'], unique=False, sqlite_where=OPEN_AND_LIVE, postgresql_where=OPEN_AND_LIVE)

    with op.batch_alter_table('safety_inspection', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_inspection_schedule')
        batch_op.create_index('ix_safety_inspection_schedule', ['template_id', 'area', 'inspected_on'], unique=False, sqlite_where=SIGNED_AND_LIVE, postgresql_where=SIGNED_AND_LIVE)


def downgrade():
    with op.batch_alter_table('safety_inspection', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_inspection_schedule', sqlite_where=SIGNED_AND_LIVE, postgresql_where=SIGNED_AND_LIVE)
        batch_op.create_index('ix_safety_inspection_schedule', ['area', 'template_id', 'inspected_on'], unique=False)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_owner_open', sqlite_where=OPEN_AND_LIVE, postgresql_where=OPEN_AND_LIVE)

    with op.batch_alter_table('follow_up_call', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_call_state', sqlite_where=LIVE, postgresql_where=LIVE)
