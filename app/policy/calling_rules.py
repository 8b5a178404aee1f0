"""When a consumer may be called: the legal rules for calling consumers.

Code de la consommation, art. D.223-9 (décret 2022-1313, in force since 1 March 2023):
- calls only Monday to Friday, 10:00-13:00 and 14:00-20:00, never on public holidays;
- at most 4 calls or call attempts per consumer per 30 calendar days, all callers counted;
- after the consumer refused during a call, no new call for 60 calendar days, the day of the
  refusal not counted (a refusal on D: calls resume on D+61);
- exception: the consumer's prior, express and provable consent to be called at another
  time (a callback slot they asked for) lifts the day and hour restrictions for that slot.
  It lifts nothing else: the cap, the refusal period and the opposition list still apply.
Our own rules on top: never call a lead without its consent proof (the request the consumer
filed), and never call a number on our opposition list.

Every time is an aware datetime; days and hours are judged in the consumer's own time zone
(overseas départements are not in Europe/Paris time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache

import holidays

from app.domain.postcodes import ConsumerZone


@dataclass(frozen=True)
class CallingRules:
    """Settings with their legal defaults (art. D.223-9)."""

    calling_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0 .. Friday=4
    calling_windows: tuple[tuple[time, time], ...] = (
        (time(10, 0), time(13, 0)),
        (time(14, 0), time(20, 0)),
    )
    max_attempts_per_period: int = 4
    attempts_period_days: int = 30
    refusal_quiet_days: int = 60
    # How early or late a consented callback may be made and still count as "at the slot".
    consented_slot_tolerance: timedelta = timedelta(minutes=30)


DEFAULT_CALLING_RULES = CallingRules()


class CallBlock(StrEnum):
    LEAD_NOT_OPEN = "lead_not_open"  # released or closed: no call from the queue any more
    NO_CONSENT_PROOF = "no_consent_proof"
    OPPOSITION = "opposition"
    REFUSAL_QUIET_PERIOD = "refusal_quiet_period"
    ATTEMPT_CAP = "attempt_cap"
    PUBLIC_HOLIDAY = "public_holiday"
    NON_CALLING_DAY = "non_calling_day"
    OUTSIDE_HOURS = "outside_hours"


CALL_BLOCK_LABELS = {
    CallBlock.LEAD_NOT_OPEN: "Lead libéré ou clos",
    CallBlock.NO_CONSENT_PROOF: "Pas de preuve de consentement",
    CallBlock.OPPOSITION: "Opposé aux appels",
    CallBlock.REFUSAL_QUIET_PERIOD: "Refus récent (60 jours)",
    CallBlock.ATTEMPT_CAP: "4 appels en 30 jours atteints",
    CallBlock.PUBLIC_HOLIDAY: "Jour férié",
    CallBlock.NON_CALLING_DAY: "Week-end",
    CallBlock.OUTSIDE_HOURS: "Hors horaires légaux",
}


@dataclass(frozen=True)
class ConsumerCallHistory:
    """What the rules need to know about one consumer (one phone number)."""

    attempts: Sequence[datetime] = ()  # every call attempt to this consumer, any caller
    last_refusal_at: datetime | None = None
    opposed: bool = False  # on our own opposition list
    has_consent_proof: bool = True


@dataclass(frozen=True)
class CallDecision:
    allowed: bool
    block: CallBlock | None = None
    # Earliest moment the call becomes allowed; None when it never will (opposition, no proof).
    next_allowed_at: datetime | None = None
    by_consent: bool = False  # allowed only thanks to the consented-callback exception


@cache
def _holiday_calendar(subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", subdiv=subdivision)


def is_public_holiday(day: date, zone: ConsumerZone) -> bool:
    return day in _holiday_calendar(zone.holiday_subdivision)


def calling_hours_block(at: datetime, zone: ConsumerZone, rules: CallingRules) -> CallBlock | None:
    """Why `at` is outside the legal calling days and hours, or None when inside."""
    local = at.astimezone(zone.timezone)
    if is_public_holiday(local.date(), zone):
        return CallBlock.PUBLIC_HOLIDAY
    if local.weekday() not in rules.calling_weekdays:
        return CallBlock.NON_CALLING_DAY
    clock = local.time()
    for start, end in rules.calling_windows:
        if start <= clock < end:
            return None
    return CallBlock.OUTSIDE_HOURS


def next_calling_time(at: datetime, zone: ConsumerZone, rules: CallingRules) -> datetime:
    """The first moment at or after `at` inside the legal days and hours."""
    tz = zone.timezone
    local = at.astimezone(tz)
    for _ in range(400):
        day = local.date()
        if day.weekday() in rules.calling_weekdays and not is_public_holiday(day, zone):
            for start, end in rules.calling_windows:
                window_start = datetime.combine(day, start, tz)
                window_end = datetime.combine(day, end, tz)
                if local < window_end:
                    return max(local, window_start).astimezone(at.tzinfo)
        local = datetime.combine(day + timedelta(days=1), time(0), tz)
    raise RuntimeError("No calling time within 400 days: check the calling rules settings")


def _start_of_local_day(day: date, zone: ConsumerZone) -> datetime:
    return datetime.combine(day, time(0), zone.timezone)


def _frequency_release(
    history: ConsumerCallHistory, zone: ConsumerZone, rules: CallingRules
) -> datetime | None:
    """When the attempt cap stops blocking, judged in calendar days of the consumer's zone.

    A period of N calendar days is the day of the call and the N-1 days before it. With the
    cap reached, the next call may be made on the day the oldest of the last `max` attempts
    leaves that period: its date + N days.
    """
    cap = rules.max_attempts_per_period
    if len(history.attempts) < cap:
        return None
    days = sorted(a.astimezone(zone.timezone).date() for a in history.attempts)
    oldest_counted = days[-cap]
    return _start_of_local_day(oldest_counted + timedelta(days=rules.attempts_period_days), zone)


def _refusal_release(
    history: ConsumerCallHistory, zone: ConsumerZone, rules: CallingRules
) -> datetime | None:
    """A refusal on day D keeps the consumer quiet through D+60; calls resume on D+61.

    French law counts a period in days without the day of the event that starts it (code de
    procédure civile, art. 641; docs/domain-rules.md): the N quiet days are D+1 .. D+N, judged
    in calendar days of the consumer's own zone.
    """
    if history.last_refusal_at is None:
        return None
    day = history.last_refusal_at.astimezone(zone.timezone).date()
    return _start_of_local_day(day + timedelta(days=rules.refusal_quiet_days + 1), zone)


LEAD_NOT_OPEN = CallDecision(False, CallBlock.LEAD_NOT_OPEN)


def evaluate_call(
    now: datetime,
    zone: ConsumerZone,
    history: ConsumerCallHistory,
    rules: CallingRules = DEFAULT_CALLING_RULES,
    consented_slot: datetime | None = None,
) -> CallDecision:
    """May this consumer be called at `now`? If not, why, and from when."""
    if not history.has_consent_proof:
        return CallDecision(False, CallBlock.NO_CONSENT_PROOF)
    if history.opposed:
        return CallDecision(False, CallBlock.OPPOSITION)

    refusal_release = _refusal_release(history, zone, rules)
    frequency_release = _frequency_release(history, zone, rules)
    releases = [
        (refusal_release, CallBlock.REFUSAL_QUIET_PERIOD),
        (frequency_release, CallBlock.ATTEMPT_CAP),
    ]
    pending = [(when, block) for when, block in releases if when is not None and when > now]
    if pending:
        earliest = max(when for when, _ in pending)
        block = next(block for when, block in pending if when == earliest)
        return CallDecision(False, block, next_calling_time(earliest, zone, rules))

    hours_block = calling_hours_block(now, zone, rules)
    if hours_block is None:
        return CallDecision(True)
    if consented_slot is not None and abs(now - consented_slot) <= rules.consented_slot_tolerance:
        return CallDecision(True, by_consent=True)
    return CallDecision(False, hours_block, next_calling_time(now, zone, rules))


def next_allowed_call(
    at: datetime,
    zone: ConsumerZone,
    history: ConsumerCallHistory,
    rules: CallingRules = DEFAULT_CALLING_RULES,
) -> datetime | None:
    """The first moment at or after `at` when a call is allowed (None: never)."""
    decision = evaluate_call(at, zone, history, rules)
    if decision.allowed:
        return at
    return decision.next_allowed_at


@dataclass(frozen=True)
class SlotCheck:
    accepted: bool
    block: CallBlock | None = None
    suggested_slot: datetime | None = None


def check_callback_slot(
    slot: datetime,
    now: datetime,
    zone: ConsumerZone,
    history: ConsumerCallHistory,
    consumer_requested: bool,
    rules: CallingRules = DEFAULT_CALLING_RULES,
) -> SlotCheck:
    """Validate a callback slot; a refused slot comes with the next allowed one.

    A slot the consumer asked for (recorded consent) may lie outside the legal days and hours,
    but never inside the refusal period, beyond the attempt cap or for an opposed consumer.
    """
    if slot <= now:
        return SlotCheck(False, None, next_allowed_call(now, zone, history, rules))
    decision = evaluate_call(
        slot, zone, history, rules, consented_slot=slot if consumer_requested else None
    )
    if decision.allowed:
        return SlotCheck(True)
    return SlotCheck(False, decision.block, decision.next_allowed_at)
