"""Stored files in an S3-compatible bucket (issue 10): a file's bytes are in its row
(`data`, as before) or in the bucket under `object_key`, exactly one of the two.
Existing rows keep their bytes in the database.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 21:01:09.214773

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('object_key', sa.String(length=200), nullable=True))
        batch_op.alter_column('data', existing_type=sa.LargeBinary(), nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_stored_file_data_or_object_key'), '(data IS NULL) <> (object_key IS NULL)'
        )


def downgrade():
    in_bucket = op.get_bind().scalar(
        sa.text('SELECT count(*) FROM stored_file WHERE object_key IS NOT NULL')
    )
    if in_bucket:
        raise RuntimeError(
            f'{in_bucket} stored files are in the S3 bucket, not in the database: '
            'this revision cannot hold them, so the downgrade stops here (nothing changed).'
        )
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stored_file_data_or_object_key'), type_='check')
        batch_op.alter_column('data', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('object_key')
