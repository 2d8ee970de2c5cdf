"""A token per area that every change of its data writes anew (issue 8).

The home pages of the trainer, the safety officer and the administrator assess every
employee's training and certificates (some 25 ms for 500 employees, most of those
pages' time). Each process now keeps the assessment while the token of the area
"training" is the one it was made under: every transaction that changes employees,
attendance, training sessions, certificates, training requirements or settings
writes a new token (revisions.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 03:30:00

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_revision',
        sa.Column('area', sa.String(length=30), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('area', name=op.f('pk_data_revision')),
    )
    op.bulk_insert(table, [{'area': 'training', 'token': uuid.uuid4().hex}])


def downgrade():
    op.drop_table('data_revision')
