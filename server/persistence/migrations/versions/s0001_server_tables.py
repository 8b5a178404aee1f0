"""server tables

Revision ID: s0001
Revises: 
Create Date: 2026-11-28 20:06:29.120388
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# UTC timestamps with microseconds on every database (MySQL's DATETIME drops them).
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


revision = 's0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('server_applied_operations',
    sa.Column('op_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('applied_at', TIMESTAMP, nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('op_id')
    )
    op.create_table('server_auth_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('issued_at', TIMESTAMP, nullable=False),
    sa.Column('expires_at', TIMESTAMP, nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('server_auth_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_server_auth_tokens_user', ['user_id'], unique=False)

    op.create_table('server_counters',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('server_intake_rate',
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('window_start', TIMESTAMP, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('site_id', 'window_start')
    )
    op.create_table('server_intake_requests',
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('lead_id', sa.Uuid(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('site_id', 'idempotency_key')
    )
    op.create_table('server_site_api_keys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('server_site_api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_server_site_api_keys_site_id'), ['site_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('server_site_api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_server_site_api_keys_site_id'))

    op.drop_table('server_site_api_keys')
    op.drop_table('server_intake_requests')
    op.drop_table('server_intake_rate')
    op.drop_table('server_counters')
    with op.batch_alter_table('server_auth_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_server_auth_tokens_user')

    op.drop_table('server_auth_tokens')
    op.drop_table('server_applied_operations')
