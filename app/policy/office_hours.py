"""When a provider may be called: office hours in the provider's own zone (B2B).

The consumer rules of art. D.223-9 do not apply to companies, but we call providers only in
business hours of their zone (docs/domain-rules.md, "Calling providers (B2B)"): Monday
to Friday, 09:00-12:30 and 14:00-18:00 local time, never on a public holiday of that zone.
The same calendar machinery as for consumers serves, with these windows.
"""

from __future__ import annotations

from datetime import datetime, time

from app.domain.postcodes import ConsumerZone
from app.policy.calling_rules import CallingRules, calling_hours_block, next_calling_time

DEFAULT_OFFICE_HOURS = CallingRules(
    calling_windows=((time(9, 0), time(12, 30)), (time(14, 0), time(18, 0))),
)


def within_office_hours(at: datetime, zone: ConsumerZone, hours: CallingRules) -> bool:
    return calling_hours_block(at, zone, hours) is None


def next_office_time(at: datetime, zone: ConsumerZone, hours: CallingRules) -> datetime:
    return next_calling_time(at, zone, hours)
