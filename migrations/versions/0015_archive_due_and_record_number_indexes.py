"""Indexes for a list's sort or filter used alone (issue 8).

Visits sorted by their archive due day, or filtered on a range of due days, read every
visit (1.1 s a page on a million): the due day was indexed only after `archived_at`
(ix_visit_archive_open, for the open visits' queues), which serves neither. It gets an
index of its own, of the visits not deleted, with the id (as visited_at's). The audit
log's "record number" filter, without the record type, read the whole log the same way.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')


def upgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_live_archive_due_on', ['archive_due_on'], unique=False,
                              sqlite_where=LIVE, postgresql_where=LIVE,
                              postgresql_include=['id'])
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_record_id', ['record_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_record_id')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_live_archive_due_on', sqlite_where=LIVE,
                            postgresql_where=LIVE)
