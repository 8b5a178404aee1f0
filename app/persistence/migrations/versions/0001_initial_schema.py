"""initial schema: users, reference data, leads, calls

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 17:30:03.599631
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# UTC timestamps with microseconds on every database (MySQL's DATETIME drops them).
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sectors',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('qualification_threshold_cents', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('sites',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('partner_name', sa.String(length=160), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('users',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('categories',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('sector_id', sa.Uuid(), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['sector_id'], ['sectors.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('leads',
    sa.Column('number', sa.BigInteger(), nullable=False),
    sa.Column('submitted_at', TIMESTAMP, nullable=False),
    sa.Column('civility', sa.String(length=8), nullable=True),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('search_name', sa.String(length=170), nullable=False),
    sa.Column('phone_e164', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('address_line', sa.String(length=255), nullable=True),
    sa.Column('postcode', sa.String(length=5), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('departement_code', sa.String(length=3), nullable=False),
    sa.Column('category_id', sa.Uuid(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('budget_cents', sa.BigInteger(), nullable=True),
    sa.Column('desired_start', sa.String(length=20), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('consent_form_code', sa.String(length=80), nullable=True),
    sa.Column('consent_at', TIMESTAMP, nullable=True),
    sa.Column('consent_wording_version', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('interest_score', sa.Integer(), nullable=False),
    sa.Column('priority_key', sa.Double(), nullable=False),
    sa.Column('call_attempt_count', sa.Integer(), nullable=False),
    sa.Column('qualified_budget_cents', sa.BigInteger(), nullable=True),
    sa.Column('qualified_start', sa.String(length=20), nullable=True),
    sa.Column('qualified_scope', sa.Text(), nullable=True),
    sa.Column('qualification_note', sa.Text(), nullable=True),
    sa.Column('contact_verified', sa.Boolean(), nullable=False),
    sa.Column('qualified_at', TIMESTAMP, nullable=True),
    sa.Column('qualified_by_id', sa.Uuid(), nullable=True),
    sa.Column('close_reason', sa.String(length=24), nullable=True),
    sa.Column('close_comment', sa.Text(), nullable=True),
    sa.Column('closed_at', TIMESTAMP, nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ),
    sa.ForeignKeyConstraint(['qualified_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_phone', ['phone_e164'], unique=False)
        batch_op.create_index('ix_leads_postcode', ['postcode'], unique=False)
        batch_op.create_index('ix_leads_search_name', ['search_name'], unique=False)
        batch_op.create_index('ix_leads_status_priority', ['status', 'priority_key'], unique=False)
        batch_op.create_index('ix_leads_submitted_at', ['submitted_at'], unique=False)

    op.create_table('call_attempts',
    sa.Column('lead_id', sa.Uuid(), nullable=False),
    sa.Column('phone_e164', sa.String(length=20), nullable=False),
    sa.Column('caller_id', sa.Uuid(), nullable=False),
    sa.Column('started_at', TIMESTAMP, nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.Column('disposition', sa.String(length=24), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('by_consent', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['caller_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_call_attempts_lead', ['lead_id', 'started_at'], unique=False)
        batch_op.create_index('ix_call_attempts_phone', ['phone_e164', 'started_at'], unique=False)

    op.create_table('callbacks',
    sa.Column('lead_id', sa.Uuid(), nullable=False),
    sa.Column('due_at', TIMESTAMP, nullable=False),
    sa.Column('assigned_to_id', sa.Uuid(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('consumer_requested', sa.Boolean(), nullable=False),
    sa.Column('consent_note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('completed_at', TIMESTAMP, nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.create_index('ix_callbacks_lead', ['lead_id'], unique=False)
        batch_op.create_index('ix_callbacks_status_due', ['status', 'due_at'], unique=False)

    op.create_table('journey_events',
    sa.Column('lead_id', sa.Uuid(), nullable=False),
    sa.Column('occurred_at', TIMESTAMP, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.Column('optional_step', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('journey_events', schema=None) as batch_op:
        batch_op.create_index('ix_journey_events_lead', ['lead_id', 'occurred_at'], unique=False)

    op.create_table('lead_status_changes',
    sa.Column('lead_id', sa.Uuid(), nullable=False),
    sa.Column('changed_at', TIMESTAMP, nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lead_status_changes', schema=None) as batch_op:
        batch_op.create_index('ix_lead_status_changes_lead', ['lead_id', 'changed_at'], unique=False)

    op.create_table('oppositions',
    sa.Column('phone_e164', sa.String(length=20), nullable=False),
    sa.Column('recorded_at', TIMESTAMP, nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
    sa.Column('lead_id', sa.Uuid(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('oppositions', schema=None) as batch_op:
        batch_op.create_index('ix_oppositions_phone', ['phone_e164'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('oppositions', schema=None) as batch_op:
        batch_op.drop_index('ix_oppositions_phone')

    op.drop_table('oppositions')
    with op.batch_alter_table('lead_status_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_status_changes_lead')

    op.drop_table('lead_status_changes')
    with op.batch_alter_table('journey_events', schema=None) as batch_op:
        batch_op.drop_index('ix_journey_events_lead')

    op.drop_table('journey_events')
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_index('ix_callbacks_status_due')
        batch_op.drop_index('ix_callbacks_lead')

    op.drop_table('callbacks')
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_call_attempts_phone')
        batch_op.drop_index('ix_call_attempts_lead')

    op.drop_table('call_attempts')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_submitted_at')
        batch_op.drop_index('ix_leads_status_priority')
        batch_op.drop_index('ix_leads_search_name')
        batch_op.drop_index('ix_leads_postcode')
        batch_op.drop_index('ix_leads_phone')

    op.drop_table('leads')
    op.drop_table('categories')
    op.drop_table('users')
    op.drop_table('sites')
    op.drop_table('sectors')
