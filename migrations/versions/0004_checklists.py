"""Reception and handover checklists, stored files

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:53:06.518188

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('mimetype', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_stored_file_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file'))
    )
    op.create_table('reception',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('steps_done', sa.JSON(), nullable=False),
    sa.Column('seat_cover', sa.Boolean(), nullable=False),
    sa.Column('wheel_cover', sa.Boolean(), nullable=False),
    sa.Column('floor_mat', sa.Boolean(), nullable=False),
    sa.Column('mileage', sa.Integer(), nullable=True),
    sa.Column('fuel_eighths', sa.Integer(), nullable=True),
    sa.Column('damages', sa.JSON(), nullable=False),
    sa.Column('belongings', sa.JSON(), nullable=False),
    sa.Column('valuables', sa.Text(), nullable=True),
    sa.Column('described_faults', sa.Text(), nullable=True),
    sa.Column('requests', sa.Text(), nullable=True),
    sa.Column('fault_confirmation', sa.Text(), nullable=True),
    sa.Column('warranty_decision', sa.String(length=16), nullable=True),
    sa.Column('warranty_reason', sa.Text(), nullable=True),
    sa.Column('vehicle_licence', sa.Boolean(), nullable=False),
    sa.Column('maintenance_book', sa.Boolean(), nullable=False),
    sa.Column('parts_in_stock', sa.Boolean(), nullable=True),
    sa.Column('parts_expected_on', sa.Date(), nullable=True),
    sa.Column('parts_note', sa.Text(), nullable=True),
    sa.Column('estimate_amount', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('promised_at', sa.DateTime(), nullable=True),
    sa.Column('signature_id', sa.Integer(), nullable=True),
    sa.Column('signed_by_name', sa.String(length=100), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['advisor_id'], ['user_account.id'], name=op.f('fk_reception_advisor_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_reception_customer_id_customer')),
    sa.ForeignKeyConstraint(['signature_id'], ['stored_file.id'], name=op.f('fk_reception_signature_id_stored_file')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id'], name=op.f('fk_reception_vehicle_id_vehicle')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_reception_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception'))
    )
    with op.batch_alter_table('reception', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_advisor_id'), ['advisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reception_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reception_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index('ix_reception_open', ['signed_at', 'advisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reception_promised_at'), ['promised_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reception_vehicle_id'), ['vehicle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reception_visit_id'), ['visit_id'], unique=False)

    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reception_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['made_by_id'], ['user_account.id'], name=op.f('fk_amendment_made_by_id_user_account')),
    sa.ForeignKeyConstraint(['reception_id'], ['reception.id'], name=op.f('fk_amendment_reception_id_reception')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment'))
    )
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_reception_id'), ['reception_id'], unique=False)

    op.create_table('extra_work',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reception_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('extra_cost', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('extra_hours', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('consent_how', sa.String(length=16), nullable=True),
    sa.Column('consent_by', sa.String(length=100), nullable=True),
    sa.Column('consent_at', sa.DateTime(), nullable=True),
    sa.Column('consent_taken_by_id', sa.Integer(), nullable=True),
    sa.Column('declined', sa.Boolean(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consent_taken_by_id'], ['user_account.id'], name=op.f('fk_extra_work_consent_taken_by_id_user_account')),
    sa.ForeignKeyConstraint(['reception_id'], ['reception.id'], name=op.f('fk_extra_work_reception_id_reception')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extra_work'))
    )
    with op.batch_alter_table('extra_work', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extra_work_reception_id'), ['reception_id'], unique=False)

    op.create_table('handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reception_id', sa.Integer(), nullable=False),
    sa.Column('steps_done', sa.JSON(), nullable=False),
    sa.Column('quality_passed', sa.Boolean(), nullable=False),
    sa.Column('quality_checked_by', sa.String(length=100), nullable=True),
    sa.Column('quality_checked_at', sa.DateTime(), nullable=True),
    sa.Column('cleaned', sa.Boolean(), nullable=False),
    sa.Column('covers_removed', sa.Boolean(), nullable=False),
    sa.Column('belongings_found', sa.JSON(), nullable=False),
    sa.Column('differences', sa.Text(), nullable=True),
    sa.Column('work_explained', sa.Boolean(), nullable=False),
    sa.Column('cautions', sa.Text(), nullable=True),
    sa.Column('maintenance_advice', sa.Text(), nullable=True),
    sa.Column('next_maintenance_date', sa.Date(), nullable=True),
    sa.Column('next_maintenance_km', sa.Integer(), nullable=True),
    sa.Column('old_parts', sa.String(length=16), nullable=True),
    sa.Column('settlement_amount', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('payment_method', sa.String(length=16), nullable=True),
    sa.Column('invoice_number', sa.String(length=50), nullable=True),
    sa.Column('work_kind', sa.String(length=16), nullable=True),
    sa.Column('mileage_out', sa.Integer(), nullable=True),
    sa.Column('guarantee_until', sa.Date(), nullable=True),
    sa.Column('guarantee_km', sa.Integer(), nullable=True),
    sa.Column('signature_id', sa.Integer(), nullable=True),
    sa.Column('signed_by_name', sa.String(length=100), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['reception_id'], ['reception.id'], name=op.f('fk_handover_reception_id_reception')),
    sa.ForeignKeyConstraint(['signature_id'], ['stored_file.id'], name=op.f('fk_handover_signature_id_stored_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover')),
    sa.UniqueConstraint('reception_id', name=op.f('uq_handover_reception_id'))
    )
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_completed_at'), ['completed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_handover_quality_checked_at'), ['quality_checked_at'], unique=False)



def downgrade():
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_quality_checked_at'))
        batch_op.drop_index(batch_op.f('ix_handover_completed_at'))

    op.drop_table('handover')
    with op.batch_alter_table('extra_work', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extra_work_reception_id'))

    op.drop_table('extra_work')
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_reception_id'))

    op.drop_table('amendment')
    with op.batch_alter_table('reception', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reception_visit_id'))
        batch_op.drop_index(batch_op.f('ix_reception_vehicle_id'))
        batch_op.drop_index(batch_op.f('ix_reception_promised_at'))
        batch_op.drop_index('ix_reception_open')
        batch_op.drop_index(batch_op.f('ix_reception_deleted_at'))
        batch_op.drop_index(batch_op.f('ix_reception_customer_id'))
        batch_op.drop_index(batch_op.f('ix_reception_advisor_id'))

    op.drop_table('reception')
    op.drop_table('stored_file')
