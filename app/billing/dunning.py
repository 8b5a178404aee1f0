"""The dunning calendar: reminders by level after the due date, late-payment penalties, the
40 EUR recovery indemnity, and the delay after which the provider's contract is suspended.

Code de commerce L441-10: late-payment penalties run from the day after the due date without
a reminder being needed, at the rate the terms of sale state; every invoice paid late also
owes a flat 40 EUR recovery indemnity (D441-5). Our buyers are all businesses, so both apply
to every overdue invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.billing.ledger import age_bucket

# Code de commerce D441-5: the flat indemnity for recovery costs owed per invoice paid late.
RECOVERY_INDEMNITY_CENTS = 4000


@dataclass(frozen=True)
class DunningPolicy:
    # Days after the due date at which each reminder level is due (levels 1, 2, 3).
    reminder_days: tuple[int, ...] = (7, 21, 35)
    # Days after the due date at which the server asks to suspend the provider's contracts.
    suspend_after_days: int = 45
    # ECB main refinancing rate (2.15 % in the second half of 2026) plus 10 points, as the
    # terms of sale state.
    late_penalty_percent: Decimal = Decimal("12.15")
    recovery_indemnity_cents: int = RECOVERY_INDEMNITY_CENTS
    # A direct debit is announced at least this many days before it is collected.
    prenotice_days: int = 14


LEVEL_LABELS = {1: "Relance amiable", 2: "Seconde relance", 3: "Mise en demeure"}


def late_penalty_cents(open_cents: int, days_late: int, percent: Decimal) -> int:
    """Simple interest on the open amount for the days late, rounded half up to the cent."""
    if open_cents <= 0 or days_late <= 0:
        return 0
    exact = Decimal(open_cents) * percent / Decimal(100) * Decimal(days_late) / Decimal(365)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class DunningStatus:
    days_late: int
    bucket: int
    penalty_cents: int
    indemnity_cents: int
    # The next reminder to send and the day it is due (None: all sent, or nothing is due).
    next_level: int | None
    next_on: date | None
    suspends_on: date

    @property
    def claimed_cents(self) -> int:
        return self.penalty_cents + self.indemnity_cents

    def reminder_due(self, today: date) -> bool:
        return self.next_on is not None and self.next_on <= today


def dunning_status(
    due_date: date, open_cents: int, levels_sent: set[int], today: date, policy: DunningPolicy
) -> DunningStatus:
    days_late = max(0, (today - due_date).days)
    late = open_cents > 0 and days_late > 0
    next_level = next_on = None
    if open_cents > 0:
        for level, days in enumerate(policy.reminder_days, start=1):
            if level > max(levels_sent, default=0):  # levels go up, never back
                next_level, next_on = level, due_date + timedelta(days=days)
                break
    return DunningStatus(
        days_late=days_late,
        bucket=age_bucket(due_date, today),
        penalty_cents=late_penalty_cents(open_cents, days_late, policy.late_penalty_percent)
        if late
        else 0,
        indemnity_cents=policy.recovery_indemnity_cents if late else 0,
        next_level=next_level,
        next_on=next_on,
        suspends_on=due_date + timedelta(days=policy.suspend_after_days),
    )
