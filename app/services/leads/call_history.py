"""What the calling rules need about consumers, read in one batch for many phones."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import Disposition
from app.persistence.models import CallAttempt, Opposition
from app.policy.calling_rules import CallingRules, ConsumerCallHistory


def call_histories(
    session: Session,
    phones: Iterable[str],
    now: datetime,
    rules: CallingRules,
) -> dict[str, ConsumerCallHistory]:
    """Histories keyed by E.164 phone: attempts and refusals counted across every caller.

    Only the look-back that a rule can still act on is read (the longer of the attempt
    period and the refusal quiet period plus its uncounted first day, plus a day for time
    zones).
    """
    wanted = sorted(set(phones))
    if not wanted:
        return {}
    days = max(rules.attempts_period_days, rules.refusal_quiet_days + 1) + 1
    since = now - timedelta(days=days)
    attempts: dict[str, list[datetime]] = defaultdict(list)
    refusals: dict[str, datetime] = {}
    rows = session.execute(
        select(CallAttempt.phone_e164, CallAttempt.started_at, CallAttempt.disposition).where(
            CallAttempt.phone_e164.in_(wanted),
            CallAttempt.started_at >= since,
            CallAttempt.deleted.is_(False),
        )
    )
    for phone, started_at, disposition in rows:
        attempts[phone].append(started_at)
        if disposition == Disposition.NOT_INTERESTED and (
            phone not in refusals or refusals[phone] < started_at
        ):
            refusals[phone] = started_at
    opposed = set(
        session.scalars(
            select(Opposition.phone_e164).where(
                Opposition.phone_e164.in_(wanted), Opposition.deleted.is_(False)
            )
        )
    )
    return {
        phone: ConsumerCallHistory(
            attempts=tuple(attempts.get(phone, ())),
            last_refusal_at=refusals.get(phone),
            opposed=phone in opposed,
        )
        for phone in wanted
    }
