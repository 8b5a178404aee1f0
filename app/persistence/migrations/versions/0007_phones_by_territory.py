"""phones by territory: overseas numbers stored under the mainland plan get their own code

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 09:00:00.000000

Before this revision "0596 71 23 45" was stored as +33596712345 (mainland plan) while
"+596 596 71 23 45" was +596596712345: one consumer under two numbers, escaping the call
budget, the refusal period and the opposition list, which are keyed by the number. Every
stored phone is renormalised with the one normaliser (app.domain.contact.normalize_phone).

The same revision runs on the server and on every workstation, so each replica rewrites the
same rows to the same values: no sync change is recorded and no clock moves. Rows that now
share a number stay separate rows (leads, attempts, oppositions, providers): they are facts
that may not be merged or deleted by a migration, and sharing the number is exactly what
makes the legal counts see them together. A value the normaliser refuses is left as it was.
"""

import sqlalchemy as sa
from alembic import op

from app.domain.contact import InvalidPhone, normalize_phone

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Every column holding a phone, in every table (none of the search keys derives from it).
PHONE_COLUMNS = (
    ("leads", "phone_e164"),
    ("call_attempts", "phone_e164"),
    ("oppositions", "phone_e164"),
    ("providers", "phone_e164"),
    ("provider_contacts", "phone_e164"),
)
# Mainland-plan prefixes that may hide an overseas number: +33 followed by 2, 5, 6, 7 or 9
# (mainland 01, 03, 04 and 08 numbers are never overseas). Ranges keep it on the indexes.
CANDIDATE_PREFIXES = ("+332", "+335", "+336", "+337", "+339")


def _next(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def upgrade() -> None:
    connection = op.get_bind()
    for table_name, column_name in PHONE_COLUMNS:
        table = sa.table(table_name, sa.column(column_name, sa.String))
        column = table.c[column_name]
        ranges = sa.or_(*(sa.and_(column >= p, column < _next(p)) for p in CANDIDATE_PREFIXES))
        stored = connection.scalars(sa.select(column).where(ranges).distinct()).all()
        changes = []
        for old in stored:
            try:
                new = normalize_phone(old)
            except InvalidPhone:
                continue
            if new != old:
                changes.append({"old": old, "new": new})
        if changes:
            connection.execute(
                table.update()
                .where(column == sa.bindparam("old"))
                .values({column_name: sa.bindparam("new")}),
                changes,
            )


def downgrade() -> None:
    # The old values were wrong and are not kept: nothing to restore.
    pass
