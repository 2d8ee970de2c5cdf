"""Appointments, parts catalogue with stock movements, parts orders

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 13:51:34.852194

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('part',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('brand', sa.String(length=50), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('stock_on_hand', sa.Integer(), nullable=False),
    sa.Column('reorder_level', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('stock_on_hand >= 0', name=op.f('ck_part_stock_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_part')),
    sa.UniqueConstraint('number', name=op.f('uq_part_number'))
    )
    with op.batch_alter_table('part', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_part_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_part_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_part_origin'), ['origin'], unique=False)
        batch_op.create_index('ix_part_reorder', ['stock_on_hand', 'reorder_level'], unique=False)

    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmation_attempts', sa.Integer(), nullable=False),
    sa.Column('confirmation_note', sa.String(length=200), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('arrived_at', sa.DateTime(), nullable=True),
    sa.Column('reception_id', sa.Integer(), nullable=True),
    sa.Column('no_show_at', sa.DateTime(), nullable=True),
    sa.Column('no_show_call_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['advisor_id'], ['user_account.id'], name=op.f('fk_appointment_advisor_id_user_account')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user_account.id'], name=op.f('fk_appointment_booked_by_id_user_account')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_appointment_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_appointment_customer_id_customer')),
    sa.ForeignKeyConstraint(['no_show_call_id'], ['follow_up_call.id'], name=op.f('fk_appointment_no_show_call_id_follow_up_call')),
    sa.ForeignKeyConstraint(['reception_id'], ['reception.id'], name=op.f('fk_appointment_reception_id_reception')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id'], name=op.f('fk_appointment_vehicle_id_vehicle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_advisor_slot', ['advisor_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_no_show_call_id'), ['no_show_call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_reception_id'), ['reception_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index('ix_appointment_status_slot', ['status', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_vehicle_id'), ['vehicle_id'], unique=False)

    op.create_table('parts_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=True),
    sa.Column('reception_id', sa.Integer(), nullable=True),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('ordered_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('expected_on', sa.Date(), nullable=True),
    sa.Column('delivery', sa.String(length=16), nullable=True),
    sa.Column('handed_over_on', sa.Date(), nullable=True),
    sa.Column('handed_over_by_id', sa.Integer(), nullable=True),
    sa.Column('tracking', sa.String(length=100), nullable=True),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('quality_problem', sa.Text(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_parts_order_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_parts_order_checked_by_id_user_account')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_parts_order_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_parts_order_customer_id_customer')),
    sa.ForeignKeyConstraint(['handed_over_by_id'], ['user_account.id'], name=op.f('fk_parts_order_handed_over_by_id_user_account')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user_account.id'], name=op.f('fk_parts_order_handled_by_id_user_account')),
    sa.ForeignKeyConstraint(['reception_id'], ['reception.id'], name=op.f('fk_parts_order_reception_id_reception')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id'], name=op.f('fk_parts_order_vehicle_id_vehicle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_order'))
    )
    with op.batch_alter_table('parts_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_order_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_order_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_order_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_order_handled_by_id'), ['handled_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_order_ordered_on'), ['ordered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_order_reception_id'), ['reception_id'], unique=False)
        batch_op.create_index('ix_parts_order_state', ['state', 'ordered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_order_vehicle_id'), ['vehicle_id'], unique=False)

    op.create_table('parts_order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_parts_order_line_quantity_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['parts_order.id'], name=op.f('fk_parts_order_line_order_id_parts_order')),
    sa.ForeignKeyConstraint(['part_id'], ['part.id'], name=op.f('fk_parts_order_line_part_id_part')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_order_line')),
    sa.UniqueConstraint('order_id', 'part_id', name=op.f('uq_parts_order_line_order_id'))
    )
    with op.batch_alter_table('parts_order_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_order_line_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_order_line_part_id'), ['part_id'], unique=False)

    op.create_table('stock_movement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('balance_after >= 0', name=op.f('ck_stock_movement_balance_not_negative')),
    sa.CheckConstraint('quantity <> 0', name=op.f('ck_stock_movement_quantity_not_zero')),
    sa.ForeignKeyConstraint(['order_line_id'], ['parts_order_line.id'], name=op.f('fk_stock_movement_order_line_id_parts_order_line')),
    sa.ForeignKeyConstraint(['part_id'], ['part.id'], name=op.f('fk_stock_movement_part_id_part')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_stock_movement_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movement'))
    )
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_movement_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movement_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movement_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index('ix_stock_movement_part_at', ['part_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movement_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_movement_user_id'))
        batch_op.drop_index('ix_stock_movement_part_at')
        batch_op.drop_index(batch_op.f('ix_stock_movement_order_line_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movement_kind'))
        batch_op.drop_index(batch_op.f('ix_stock_movement_at'))

    op.drop_table('stock_movement')
    with op.batch_alter_table('parts_order_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_order_line_part_id'))
        batch_op.drop_index(batch_op.f('ix_parts_order_line_order_id'))

    op.drop_table('parts_order_line')
    with op.batch_alter_table('parts_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_order_vehicle_id'))
        batch_op.drop_index('ix_parts_order_state')
        batch_op.drop_index(batch_op.f('ix_parts_order_reception_id'))
        batch_op.drop_index(batch_op.f('ix_parts_order_ordered_on'))
        batch_op.drop_index(batch_op.f('ix_parts_order_handled_by_id'))
        batch_op.drop_index(batch_op.f('ix_parts_order_deleted_at'))
        batch_op.drop_index(batch_op.f('ix_parts_order_customer_id'))
        batch_op.drop_index(batch_op.f('ix_parts_order_appointment_id'))

    op.drop_table('parts_order')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_vehicle_id'))
        batch_op.drop_index('ix_appointment_status_slot')
        batch_op.drop_index(batch_op.f('ix_appointment_starts_at'))
        batch_op.drop_index(batch_op.f('ix_appointment_reception_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_no_show_call_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_deleted_at'))
        batch_op.drop_index(batch_op.f('ix_appointment_customer_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_channel'))
        batch_op.drop_index('ix_appointment_advisor_slot')

    op.drop_table('appointment')
    with op.batch_alter_table('part', schema=None) as batch_op:
        batch_op.drop_index('ix_part_reorder')
        batch_op.drop_index(batch_op.f('ix_part_origin'))
        batch_op.drop_index(batch_op.f('ix_part_name'))
        batch_op.drop_index(batch_op.f('ix_part_deleted_at'))

    op.drop_table('part')
