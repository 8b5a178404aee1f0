"""sync columns, conflicts, outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 20:03:53.658748
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# UTC timestamps with microseconds on every database (MySQL's DATETIME drops them).
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_conflicts',
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.Uuid(), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('winner_value', sa.Text(), nullable=False),
    sa.Column('winner_hlc', sa.String(length=40), nullable=False),
    sa.Column('winner_user_id', sa.Uuid(), nullable=True),
    sa.Column('loser_value', sa.Text(), nullable=False),
    sa.Column('loser_hlc', sa.String(length=40), nullable=False),
    sa.Column('loser_user_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('detected_at', TIMESTAMP, nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('resolved_by_id', sa.Uuid(), nullable=True),
    sa.Column('resolved_at', TIMESTAMP, nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('field_clocks', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sync_conflicts', schema=None) as batch_op:
        batch_op.create_index('ix_sync_conflicts_row', ['table_name', 'row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflicts_server_seq'), ['server_seq'], unique=False)

    op.create_table('sync_outbox',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('op_id', sa.Uuid(), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('base_clocks', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('rejected_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('op_id')
    )
    op.create_table('sync_state',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hlc', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('field_clocks', sa.Text(), nullable=False, server_default='{}'))
        batch_op.create_index(batch_op.f('ix_call_attempts_server_seq'), ['server_seq'], unique=False)

    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hlc', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('field_clocks', sa.Text(), nullable=False, server_default='{}'))
        batch_op.create_index(batch_op.f('ix_callbacks_server_seq'), ['server_seq'], unique=False)

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hlc', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('field_clocks', sa.Text(), nullable=False, server_default='{}'))
        batch_op.create_index(batch_op.f('ix_categories_server_seq'), ['server_seq'], unique=False)

    with op.batch_alter_table('journey_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hlc', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('field_clocks', sa.Text(), nullable=False, server_default='{}'))
        batch_op.create_index(batch_op.f('ix_journey_events_server_seq'), ['server_seq'], unique=False)

    with op.batch_alter_table('lead_status_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hlc', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('field_clocks', sa.Text(), nullable=False, server_default='{}'))
        batch_op.create_index(batch_op.f('ix_lead_status_changes_server_seq'), ['server_seq'], unique=False)

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hlc', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('field_clocks', sa.Text(), nullable=False, server_default='{}'))
        batch_op.create_index(batch_op.f('ix_leads_server_seq'), ['server_seq'], unique=False)

    with op.batch_alter_table('oppositions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hlc', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('field_clocks', sa.Text(), nullable=False, server_default='{}'))
        batch_op.create_index(batch_op.f('ix_oppositions_server_seq'), ['server_seq'], unique=False)

    with op.batch_alter_table('sectors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hlc', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('field_clocks', sa.Text(), nullable=False, server_default='{}'))
        batch_op.create_index(batch_op.f('ix_sectors_server_seq'), ['server_seq'], unique=False)

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hlc', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('field_clocks', sa.Text(), nullable=False, server_default='{}'))
        batch_op.create_index(batch_op.f('ix_sites_server_seq'), ['server_seq'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hlc', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('field_clocks', sa.Text(), nullable=False, server_default='{}'))
        batch_op.create_index(batch_op.f('ix_users_server_seq'), ['server_seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_server_seq'))
        batch_op.drop_column('field_clocks')
        batch_op.drop_column('hlc')

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_server_seq'))
        batch_op.drop_column('field_clocks')
        batch_op.drop_column('hlc')

    with op.batch_alter_table('sectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sectors_server_seq'))
        batch_op.drop_column('field_clocks')
        batch_op.drop_column('hlc')

    with op.batch_alter_table('oppositions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oppositions_server_seq'))
        batch_op.drop_column('field_clocks')
        batch_op.drop_column('hlc')

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leads_server_seq'))
        batch_op.drop_column('field_clocks')
        batch_op.drop_column('hlc')

    with op.batch_alter_table('lead_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_status_changes_server_seq'))
        batch_op.drop_column('field_clocks')
        batch_op.drop_column('hlc')

    with op.batch_alter_table('journey_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_events_server_seq'))
        batch_op.drop_column('field_clocks')
        batch_op.drop_column('hlc')

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_categories_server_seq'))
        batch_op.drop_column('field_clocks')
        batch_op.drop_column('hlc')

    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callbacks_server_seq'))
        batch_op.drop_column('field_clocks')
        batch_op.drop_column('hlc')

    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_attempts_server_seq'))
        batch_op.drop_column('field_clocks')
        batch_op.drop_column('hlc')

    op.drop_table('sync_state')
    op.drop_table('sync_outbox')
    with op.batch_alter_table('sync_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_conflicts_server_seq'))
        batch_op.drop_index('ix_sync_conflicts_row')

    op.drop_table('sync_conflicts')
