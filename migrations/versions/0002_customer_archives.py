"""Customer archives: customers, vehicles, visits, import batches

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 11:51:19.897922

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('mobile', sa.String(length=11), nullable=True),
    sa.Column('mobile_reversed', sa.String(length=11), nullable=True),
    sa.Column('other_phone', sa.String(length=30), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('preferred_channel', sa.String(length=16), nullable=False),
    sa.Column('contact_consent', sa.Boolean(), nullable=False),
    sa.Column('wished_services', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_customer_agent_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('mobile', name=op.f('uq_customer_mobile'))
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_mobile_reversed'), ['mobile_reversed'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_name'), ['name'], unique=False)

    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_import_batch_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batch_user_id'), ['user_id'], unique=False)

    op.create_table('vehicle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('plate_number', sa.String(length=16), nullable=False),
    sa.Column('plate_reversed', sa.String(length=16), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=True),
    sa.Column('vin_reversed', sa.String(length=17), nullable=True),
    sa.Column('brand', sa.String(length=50), nullable=True),
    sa.Column('vehicle_model', sa.String(length=100), nullable=True),
    sa.Column('vehicle_kind', sa.String(length=32), nullable=True),
    sa.Column('colour', sa.String(length=30), nullable=True),
    sa.Column('purchase_date', sa.Date(), nullable=True),
    sa.Column('registration_date', sa.Date(), nullable=True),
    sa.Column('current_mileage', sa.Integer(), nullable=True),
    sa.Column('warranty_end_date', sa.Date(), nullable=True),
    sa.Column('warranty_end_km', sa.Integer(), nullable=True),
    sa.Column('next_maintenance_date', sa.Date(), nullable=True),
    sa.Column('next_maintenance_km', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_vehicle_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle')),
    sa.UniqueConstraint('plate_number', name=op.f('uq_vehicle_plate_number')),
    sa.UniqueConstraint('vin', name=op.f('uq_vehicle_vin'))
    )
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicle_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicle_next_maintenance_date'), ['next_maintenance_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicle_plate_reversed'), ['plate_reversed'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicle_vehicle_kind'), ['vehicle_kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicle_vin_reversed'), ['vin_reversed'], unique=False)

    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('visited_at', sa.DateTime(), nullable=False),
    sa.Column('mileage', sa.Integer(), nullable=True),
    sa.Column('mileage_correction_reason', sa.String(length=200), nullable=True),
    sa.Column('service_items', sa.Text(), nullable=True),
    sa.Column('advisor_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('maintenance_interval_months', sa.Integer(), nullable=True),
    sa.Column('maintenance_interval_km', sa.Integer(), nullable=True),
    sa.Column('next_maintenance_date', sa.Date(), nullable=True),
    sa.Column('next_maintenance_km', sa.Integer(), nullable=True),
    sa.Column('archive_due_on', sa.Date(), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('archived_on', sa.Date(), nullable=True),
    sa.Column('archived_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['advisor_id'], ['user_account.id'], name=op.f('fk_visit_advisor_id_user_account')),
    sa.ForeignKeyConstraint(['archived_by_id'], ['user_account.id'], name=op.f('fk_visit_archived_by_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_visit_customer_id_customer')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id'], name=op.f('fk_visit_vehicle_id_vehicle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit'))
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_advisor_id'), ['advisor_id'], unique=False)
        batch_op.create_index('ix_visit_archive_open', ['archived_at', 'archive_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_vehicle_id'), ['vehicle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_visited_at'), ['visited_at'], unique=False)



def downgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_visited_at'))
        batch_op.drop_index(batch_op.f('ix_visit_vehicle_id'))
        batch_op.drop_index(batch_op.f('ix_visit_deleted_at'))
        batch_op.drop_index(batch_op.f('ix_visit_customer_id'))
        batch_op.drop_index('ix_visit_archive_open')
        batch_op.drop_index(batch_op.f('ix_visit_advisor_id'))

    op.drop_table('visit')
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicle_vin_reversed'))
        batch_op.drop_index(batch_op.f('ix_vehicle_vehicle_kind'))
        batch_op.drop_index(batch_op.f('ix_vehicle_plate_reversed'))
        batch_op.drop_index(batch_op.f('ix_vehicle_next_maintenance_date'))
        batch_op.drop_index(batch_op.f('ix_vehicle_deleted_at'))
        batch_op.drop_index(batch_op.f('ix_vehicle_customer_id'))

    op.drop_table('vehicle')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batch_user_id'))

    op.drop_table('import_batch')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_name'))
        batch_op.drop_index(batch_op.f('ix_customer_mobile_reversed'))
        batch_op.drop_index(batch_op.f('ix_customer_deleted_at'))
        batch_op.drop_index(batch_op.f('ix_customer_agent_id'))

    op.drop_table('customer')
