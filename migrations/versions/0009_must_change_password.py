"""Users who must change their password at the next sign-in (issue 10): the admin
sets the flag; existing accounts start without it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 17:44:03.590599

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False
        ))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
