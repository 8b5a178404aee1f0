"""sign-in throttle, intake body hash

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-02 01:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# UTC timestamps with microseconds on every database (MySQL's DATETIME drops them).
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_sign_in_throttle",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("locked_until", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("kind", "subject"),
    )
    with op.batch_alter_table("server_intake_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("server_intake_requests", schema=None) as batch_op:
        batch_op.drop_column("body_hash")
    op.drop_table("server_sign_in_throttle")
