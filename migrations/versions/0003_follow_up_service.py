"""Follow-up service: calls, complaints, letters, events, summaries, settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:24:35.506584

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('event_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('send_letters', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_event_on'), ['event_on'], unique=False)

    op.create_table('letter_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_template'))
    )
    with op.batch_alter_table('letter_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_template_deleted_at'), ['deleted_at'], unique=False)

    op.create_table('setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('substitution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('absent_agent_id', sa.Integer(), nullable=False),
    sa.Column('substitute_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['absent_agent_id'], ['user_account.id'], name=op.f('fk_substitution_absent_agent_id_user_account')),
    sa.ForeignKeyConstraint(['substitute_id'], ['user_account.id'], name=op.f('fk_substitution_substitute_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_substitution'))
    )
    with op.batch_alter_table('substitution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_substitution_absent_agent_id'), ['absent_agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_substitution_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_substitution_substitute_id'), ['substitute_id'], unique=False)

    op.create_table('summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('filed_at', sa.DateTime(), nullable=True),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_summary_filed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary')),
    sa.UniqueConstraint('period', 'starts_on', name=op.f('uq_summary_period'))
    )
    with op.batch_alter_table('summary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_summary_deleted_at'), ['deleted_at'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_invitation_customer_id_customer')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_invitation_event_id_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('event_id', 'customer_id', name=op.f('uq_invitation_event_id'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_event_id'), ['event_id'], unique=False)

    op.create_table('follow_up_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('previous_call_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_from', sa.Date(), nullable=True),
    sa.Column('due_by', sa.Date(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('called_on', sa.Date(), nullable=True),
    sa.Column('reached', sa.String(length=16), nullable=True),
    sa.Column('topics', sa.JSON(), nullable=True),
    sa.Column('key_points', sa.Text(), nullable=True),
    sa.Column('requests', sa.Text(), nullable=True),
    sa.Column('satisfaction', sa.String(length=16), nullable=True),
    sa.Column('answered', sa.Boolean(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('follow_up_item', sa.Text(), nullable=True),
    sa.Column('close_reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_follow_up_call_agent_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_follow_up_call_customer_id_customer')),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_follow_up_call_invitation_id_invitation')),
    sa.ForeignKeyConstraint(['previous_call_id'], ['follow_up_call.id'], name=op.f('fk_follow_up_call_previous_call_id_follow_up_call')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id'], name=op.f('fk_follow_up_call_vehicle_id_vehicle')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_follow_up_call_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_call'))
    )
    with op.batch_alter_table('follow_up_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_call_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_call_called_on'), ['called_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_call_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_call_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_call_due_by'), ['due_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_call_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_call_previous_call_id'), ['previous_call_id'], unique=False)
        batch_op.create_index('ix_follow_up_call_queue', ['status', 'agent_id', 'due_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_call_vehicle_id'), ['vehicle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_call_visit_id'), ['visit_id'], unique=False)

    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=200), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('cause', sa.Text(), nullable=True),
    sa.Column('analysed_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('tracking', sa.Text(), nullable=True),
    sa.Column('tracked_at', sa.DateTime(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('satisfaction', sa.String(length=16), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['follow_up_call.id'], name=op.f('fk_complaint_call_id_follow_up_call')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_complaint_customer_id_customer')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_complaint_owner_id_user_account')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id'], name=op.f('fk_complaint_vehicle_id_vehicle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index('ix_complaint_open', ['closed_at', 'kind', 'opened_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_opened_on'), ['opened_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_owner_id'), ['owner_id'], unique=False)

    op.create_table('letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['follow_up_call.id'], name=op.f('fk_letter_call_id_follow_up_call')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_letter_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_letter_customer_id_customer')),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_letter_invitation_id_invitation')),
    sa.ForeignKeyConstraint(['sender_id'], ['user_account.id'], name=op.f('fk_letter_sender_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter'))
    )
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_sent_on'), ['sent_on'], unique=False)



def downgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_sent_on'))
        batch_op.drop_index(batch_op.f('ix_letter_sender_id'))
        batch_op.drop_index(batch_op.f('ix_letter_invitation_id'))
        batch_op.drop_index(batch_op.f('ix_letter_due_on'))
        batch_op.drop_index(batch_op.f('ix_letter_deleted_at'))
        batch_op.drop_index(batch_op.f('ix_letter_customer_id'))

    op.drop_table('letter')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_owner_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_opened_on'))
        batch_op.drop_index('ix_complaint_open')
        batch_op.drop_index(batch_op.f('ix_complaint_deleted_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_customer_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_call_id'))

    op.drop_table('complaint')
    with op.batch_alter_table('follow_up_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_call_visit_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_call_vehicle_id'))
        batch_op.drop_index('ix_follow_up_call_queue')
        batch_op.drop_index(batch_op.f('ix_follow_up_call_previous_call_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_call_invitation_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_call_due_by'))
        batch_op.drop_index(batch_op.f('ix_follow_up_call_deleted_at'))
        batch_op.drop_index(batch_op.f('ix_follow_up_call_customer_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_call_called_on'))
        batch_op.drop_index(batch_op.f('ix_follow_up_call_agent_id'))

    op.drop_table('follow_up_call')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_event_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_customer_id'))

    op.drop_table('invitation')
    with op.batch_alter_table('summary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_summary_deleted_at'))

    op.drop_table('summary')
    with op.batch_alter_table('substitution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_substitution_substitute_id'))
        batch_op.drop_index(batch_op.f('ix_substitution_deleted_at'))
        batch_op.drop_index(batch_op.f('ix_substitution_absent_agent_id'))

    op.drop_table('substitution')
    op.drop_table('setting')
    with op.batch_alter_table('letter_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_template_deleted_at'))

    op.drop_table('letter_template')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_event_on'))
        batch_op.drop_index(batch_op.f('ix_event_deleted_at'))

    op.drop_table('event')
