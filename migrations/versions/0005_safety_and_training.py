"""Safety and training

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 13:08:02.306992

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('accident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('happened_at', sa.DateTime(), nullable=False),
    sa.Column('area', sa.String(length=32), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('people', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('injuries', sa.Text(), nullable=True),
    sa.Column('cause', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accident'))
    )
    with op.batch_alter_table('accident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accident_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_accident_happened_at'), ['happened_at'], unique=False)

    op.create_table('equipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('area', sa.String(length=32), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=True),
    sa.Column('qualification', sa.String(length=32), nullable=True),
    sa.Column('service_interval_days', sa.Integer(), nullable=True),
    sa.Column('last_service_on', sa.Date(), nullable=True),
    sa.Column('next_service_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stopped_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment'))
    )
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_next_service_on'), ['next_service_on'], unique=False)

    op.create_table('inspection_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('schedule', sa.String(length=16), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_template'))
    )
    with op.batch_alter_table('inspection_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_template_deleted_at'), ['deleted_at'], unique=False)

    op.create_table('safety_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('person', sa.String(length=100), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('measure', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_record'))
    )
    with op.batch_alter_table('safety_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_record_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_record_happened_on'), ['happened_on'], unique=False)

    op.create_table('training_requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.String(length=50), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('within_days_of_hire', sa.Integer(), nullable=True),
    sa.Column('every_months', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_requirement'))
    )
    with op.batch_alter_table('training_requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_requirement_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_requirement_position'), ['position'], unique=False)

    op.create_table('corrective_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('accident_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['accident_id'], ['accident.id'], name=op.f('fk_corrective_action_accident_id_accident')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_corrective_action_owner_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrective_action'))
    )
    with op.batch_alter_table('corrective_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corrective_action_accident_id'), ['accident_id'], unique=False)

    op.create_table('employee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=50), nullable=True),
    sa.Column('position', sa.String(length=50), nullable=True),
    sa.Column('hired_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('trades', sa.JSON(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_employee_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employee')),
    sa.UniqueConstraint('number', name=op.f('uq_employee_number')),
    sa.UniqueConstraint('user_id', name=op.f('uq_employee_user_id'))
    )
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employee_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_employee_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_employee_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_employee_position'), ['position'], unique=False)

    op.create_table('equipment_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], name=op.f('fk_equipment_service_equipment_id_equipment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_service'))
    )
    with op.batch_alter_table('equipment_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_service_equipment_id'), ['equipment_id'], unique=False)

    op.create_table('inspection_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('group', sa.String(length=32), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['inspection_template.id'], name=op.f('fk_inspection_item_template_id_inspection_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_item'))
    )
    with op.batch_alter_table('inspection_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_item_template_id'), ['template_id'], unique=False)

    op.create_table('safety_inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=32), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['inspector_id'], ['user_account.id'], name=op.f('fk_safety_inspection_inspector_id_user_account')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user_account.id'], name=op.f('fk_safety_inspection_signed_by_id_user_account')),
    sa.ForeignKeyConstraint(['template_id'], ['inspection_template.id'], name=op.f('fk_safety_inspection_template_id_inspection_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_inspection'))
    )
    with op.batch_alter_table('safety_inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_inspection_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_inspection_inspected_on'), ['inspected_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_inspection_inspector_id'), ['inspector_id'], unique=False)
        batch_op.create_index('ix_safety_inspection_schedule', ['area', 'template_id', 'inspected_on'], unique=False)

    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('trade', sa.String(length=32), nullable=True),
    sa.Column('number', sa.String(length=64), nullable=True),
    sa.Column('issuer', sa.String(length=100), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('review_due', sa.Date(), nullable=True),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('scan_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_certificate_employee_id_employee')),
    sa.ForeignKeyConstraint(['scan_id'], ['stored_file.id'], name=op.f('fk_certificate_scan_id_stored_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_review_due'), ['review_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_valid_until'), ['valid_until'], unique=False)

    op.create_table('emergency_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('edition', sa.String(length=32), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_emergency_plan_file_id_stored_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_plan'))
    )
    with op.batch_alter_table('emergency_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_plan_deleted_at'), ['deleted_at'], unique=False)

    op.create_table('inspection_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('group', sa.String(length=32), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['safety_inspection.id'], name=op.f('fk_inspection_answer_inspection_id_safety_inspection')),
    sa.ForeignKeyConstraint(['item_id'], ['inspection_item.id'], name=op.f('fk_inspection_answer_item_id_inspection_item')),
    sa.ForeignKeyConstraint(['photo_id'], ['stored_file.id'], name=op.f('fk_inspection_answer_photo_id_stored_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_answer'))
    )
    with op.batch_alter_table('inspection_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_answer_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('training_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('trainer', sa.String(length=100), nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('materials_id', sa.Integer(), nullable=True),
    sa.Column('pass_mark', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['materials_id'], ['stored_file.id'], name=op.f('fk_training_session_materials_id_stored_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_session'))
    )
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_session_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_kind'), ['kind'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_attendance_employee_id_employee')),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_attendance_session_id_training_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('session_id', 'employee_id', name=op.f('uq_attendance_session_id'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_session_id'), ['session_id'], unique=False)

    op.create_table('drill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('scenario', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('improvements', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['emergency_plan.id'], name=op.f('fk_drill_plan_id_emergency_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill'))
    )
    with op.batch_alter_table('drill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_held_on'), ['held_on'], unique=False)

    op.create_table('hazard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('area', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('found_by_id', sa.Integer(), nullable=True),
    sa.Column('found_on', sa.Date(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('rectified_at', sa.DateTime(), nullable=True),
    sa.Column('rectified_by_id', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('evidence_photo_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('failed_verifications', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['inspection_answer.id'], name=op.f('fk_hazard_answer_id_inspection_answer')),
    sa.ForeignKeyConstraint(['evidence_photo_id'], ['stored_file.id'], name=op.f('fk_hazard_evidence_photo_id_stored_file')),
    sa.ForeignKeyConstraint(['found_by_id'], ['user_account.id'], name=op.f('fk_hazard_found_by_id_user_account')),
    sa.ForeignKeyConstraint(['inspection_id'], ['safety_inspection.id'], name=op.f('fk_hazard_inspection_id_safety_inspection')),
    sa.ForeignKeyConstraint(['rectified_by_id'], ['user_account.id'], name=op.f('fk_hazard_rectified_by_id_user_account')),
    sa.ForeignKeyConstraint(['responsible_id'], ['user_account.id'], name=op.f('fk_hazard_responsible_id_user_account')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user_account.id'], name=op.f('fk_hazard_verified_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard'))
    )
    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_found_on'), ['found_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index('ix_hazard_open', ['closed_at', 'deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_responsible_id'), ['responsible_id'], unique=False)



def downgrade():
    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_responsible_id'))
        batch_op.drop_index('ix_hazard_open')
        batch_op.drop_index(batch_op.f('ix_hazard_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_found_on'))
        batch_op.drop_index(batch_op.f('ix_hazard_deleted_at'))

    op.drop_table('hazard')
    with op.batch_alter_table('drill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_held_on'))
        batch_op.drop_index(batch_op.f('ix_drill_deleted_at'))

    op.drop_table('drill')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_session_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_employee_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_session_kind'))
        batch_op.drop_index(batch_op.f('ix_training_session_held_on'))
        batch_op.drop_index(batch_op.f('ix_training_session_deleted_at'))

    op.drop_table('training_session')
    with op.batch_alter_table('inspection_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_answer_inspection_id'))

    op.drop_table('inspection_answer')
    with op.batch_alter_table('emergency_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_plan_deleted_at'))

    op.drop_table('emergency_plan')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_valid_until'))
        batch_op.drop_index(batch_op.f('ix_certificate_review_due'))
        batch_op.drop_index(batch_op.f('ix_certificate_employee_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_deleted_at'))

    op.drop_table('certificate')
    with op.batch_alter_table('safety_inspection', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_inspection_schedule')
        batch_op.drop_index(batch_op.f('ix_safety_inspection_inspector_id'))
        batch_op.drop_index(batch_op.f('ix_safety_inspection_inspected_on'))
        batch_op.drop_index(batch_op.f('ix_safety_inspection_deleted_at'))

    op.drop_table('safety_inspection')
    with op.batch_alter_table('inspection_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_item_template_id'))

    op.drop_table('inspection_item')
    with op.batch_alter_table('equipment_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_service_equipment_id'))

    op.drop_table('equipment_service')
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employee_position'))
        batch_op.drop_index(batch_op.f('ix_employee_name'))
        batch_op.drop_index(batch_op.f('ix_employee_department'))
        batch_op.drop_index(batch_op.f('ix_employee_deleted_at'))

    op.drop_table('employee')
    with op.batch_alter_table('corrective_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corrective_action_accident_id'))

    op.drop_table('corrective_action')
    with op.batch_alter_table('training_requirement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_requirement_position'))
        batch_op.drop_index(batch_op.f('ix_training_requirement_deleted_at'))

    op.drop_table('training_requirement')
    with op.batch_alter_table('safety_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_record_happened_on'))
        batch_op.drop_index(batch_op.f('ix_safety_record_deleted_at'))

    op.drop_table('safety_record')
    with op.batch_alter_table('inspection_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_template_deleted_at'))

    op.drop_table('inspection_template')
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_next_service_on'))
        batch_op.drop_index(batch_op.f('ix_equipment_deleted_at'))

    op.drop_table('equipment')
    with op.batch_alter_table('accident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accident_happened_at'))
        batch_op.drop_index(batch_op.f('ix_accident_deleted_at'))

    op.drop_table('accident')
