"""Each legal rule of art. D.223-9 at its edges, in the consumer's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.postcodes import zone_for_departement
from app.policy.calling_rules import (
    CallBlock,
    CallingRules,
    ConsumerCallHistory,
    check_callback_slot,
    evaluate_call,
    next_allowed_call,
)

PARIS = zone_for_departement("75")
PARIS_TZ = ZoneInfo("Europe/Paris")
NO_HISTORY = ConsumerCallHistory()


def paris(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=PARIS_TZ)


@pytest.mark.parametrize(
    ("hour", "minute", "allowed"),
    [
        (9, 59, False),
        (10, 0, True),
        (12, 59, True),
        (13, 0, False),
        (13, 59, False),
        (14, 0, True),
        (19, 59, True),
        (20, 0, False),
    ],
)
def test_calling_hours_edges(hour: int, minute: int, allowed: bool) -> None:
    decision = evaluate_call(paris(2026, 12, 1, hour, minute), PARIS, NO_HISTORY)
    assert decision.allowed is allowed
    if not allowed:
        assert decision.block == CallBlock.OUTSIDE_HOURS


def test_next_slot_after_lunch_and_evening() -> None:
    assert evaluate_call(paris(2026, 12, 1, 13, 30), PARIS, NO_HISTORY).next_allowed_at == paris(
        2026, 12, 1, 14
    )
    assert evaluate_call(paris(2026, 12, 1, 20, 0), PARIS, NO_HISTORY).next_allowed_at == paris(
        2026, 12, 2, 10
    )


def test_weekend_moves_to_monday() -> None:
    saturday = paris(2026, 12, 5, 11)
    decision = evaluate_call(saturday, PARIS, NO_HISTORY)
    assert decision.block == CallBlock.NON_CALLING_DAY
    assert decision.next_allowed_at == paris(2026, 12, 7, 10)
    friday_evening = paris(2026, 12, 4, 20, 30)
    assert evaluate_call(friday_evening, PARIS, NO_HISTORY).next_allowed_at == paris(
        2026, 12, 7, 10
    )


def test_christmas_is_a_public_holiday() -> None:
    decision = evaluate_call(paris(2026, 12, 25, 11), PARIS, NO_HISTORY)  # a Friday
    assert decision.block == CallBlock.PUBLIC_HOLIDAY
    assert decision.next_allowed_at == paris(2026, 12, 28, 10)


def test_overseas_holiday_applies_only_overseas() -> None:
    # 27 May 2026 (Wednesday): abolition of slavery in Guadeloupe, a working day in Paris.
    gp = zone_for_departement("971")
    at = datetime(2026, 5, 27, 11, tzinfo=ZoneInfo("America/Guadeloupe"))
    assert evaluate_call(at, gp, NO_HISTORY).block == CallBlock.PUBLIC_HOLIDAY
    assert evaluate_call(paris(2026, 5, 27, 11), PARIS, NO_HISTORY).allowed


def test_alsace_moselle_good_friday() -> None:
    good_friday = paris(2026, 4, 3, 11)
    assert evaluate_call(good_friday, zone_for_departement("67"), NO_HISTORY).block == (
        CallBlock.PUBLIC_HOLIDAY
    )
    assert evaluate_call(good_friday, zone_for_departement("57"), NO_HISTORY).block == (
        CallBlock.PUBLIC_HOLIDAY
    )
    assert evaluate_call(good_friday, PARIS, NO_HISTORY).allowed


def test_hours_are_the_consumers_own() -> None:
    at = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)  # Paris 20:30, Guadeloupe 15:30, Réunion 23:30
    assert not evaluate_call(at, PARIS, NO_HISTORY).allowed
    assert evaluate_call(at, zone_for_departement("971"), NO_HISTORY).allowed
    assert evaluate_call(at, zone_for_departement("973"), NO_HISTORY).allowed
    reunion = evaluate_call(at, zone_for_departement("974"), NO_HISTORY)
    assert not reunion.allowed
    assert reunion.next_allowed_at == datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("Indian/Reunion"))
    # 08:00 UTC is 11:00 in Mayotte and 09:00 in Paris.
    morning = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert evaluate_call(morning, zone_for_departement("976"), NO_HISTORY).allowed
    assert not evaluate_call(morning, PARIS, NO_HISTORY).allowed


def test_daylight_saving_time_is_followed() -> None:
    # Sunday 29 March 2026 clocks go forward: Monday 10:00 Paris is 08:00 UTC.
    before = datetime(2026, 3, 30, 7, 59, tzinfo=UTC)
    after = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert not evaluate_call(before, PARIS, NO_HISTORY).allowed
    assert evaluate_call(after, PARIS, NO_HISTORY).allowed


def attempts_on(*days: int) -> tuple[datetime, ...]:
    return tuple(paris(2026, 11, d, 11) for d in days)


def test_three_attempts_leave_room_for_a_fourth() -> None:
    history = ConsumerCallHistory(attempts=attempts_on(2, 3, 4))
    assert evaluate_call(paris(2026, 11, 5, 11), PARIS, history).allowed


def test_four_attempts_in_thirty_days_block_until_the_first_leaves_the_period() -> None:
    history = ConsumerCallHistory(attempts=attempts_on(2, 3, 4, 5))  # Mon 2 Nov .. Thu 5 Nov
    last_blocked_day = evaluate_call(paris(2026, 12, 1, 11), PARIS, history)  # day 2 + 29
    assert last_blocked_day.block == CallBlock.ATTEMPT_CAP
    assert last_blocked_day.next_allowed_at == paris(2026, 12, 2, 10)
    assert evaluate_call(paris(2026, 12, 2, 10), PARIS, history).allowed  # day 2 + 30


def test_attempt_cap_counts_the_four_most_recent() -> None:
    history = ConsumerCallHistory(attempts=attempts_on(2, 3, 4, 5, 9, 10))
    decision = evaluate_call(paris(2026, 12, 3, 11), PARIS, history)
    assert not decision.allowed
    # The 4th most recent is 4 Nov: next call on 4 Dec (Friday).
    assert decision.next_allowed_at == paris(2026, 12, 4, 10)


def test_refusal_quiet_period_edges() -> None:
    """Refusal on D = Friday 2 Oct: the day of the refusal is not counted (docs/domain-rules.md),
    so the 60 days run from 3 Oct to 1 Dec and calls resume on D+61, Wednesday 2 Dec."""
    history = ConsumerCallHistory(last_refusal_at=paris(2026, 10, 2, 11))
    day_60 = paris(2026, 12, 1, 19, 59)
    day_61 = paris(2026, 12, 2, 10)
    blocked = evaluate_call(day_60, PARIS, history)
    assert blocked.block == CallBlock.REFUSAL_QUIET_PERIOD
    assert blocked.next_allowed_at == day_61
    assert evaluate_call(day_61, PARIS, history).allowed


def test_refusal_quiet_period_in_the_consumers_zone() -> None:
    """The days are the consumer's: a refusal late on D in Guadeloupe is D there, not D+1."""
    guadeloupe = zone_for_departement("971")
    tz = guadeloupe.timezone
    history = ConsumerCallHistory(last_refusal_at=datetime(2026, 10, 2, 19, 30, tzinfo=tz))
    blocked = evaluate_call(datetime(2026, 12, 1, 15, tzinfo=tz), guadeloupe, history)
    assert blocked.block == CallBlock.REFUSAL_QUIET_PERIOD
    assert blocked.next_allowed_at == datetime(2026, 12, 2, 10, tzinfo=tz)


def test_refusal_period_is_a_setting() -> None:
    rules = CallingRules(refusal_quiet_days=10)
    history = ConsumerCallHistory(last_refusal_at=paris(2026, 10, 2, 11))
    assert not evaluate_call(paris(2026, 10, 12, 11), PARIS, history, rules).allowed
    assert evaluate_call(paris(2026, 10, 13, 11), PARIS, history, rules).allowed


def test_opposition_and_missing_consent_never_allow() -> None:
    opposed = evaluate_call(paris(2026, 12, 1, 11), PARIS, ConsumerCallHistory(opposed=True))
    assert (opposed.allowed, opposed.block, opposed.next_allowed_at) == (
        False,
        CallBlock.OPPOSITION,
        None,
    )
    no_proof = ConsumerCallHistory(has_consent_proof=False)
    assert (
        evaluate_call(paris(2026, 12, 1, 11), PARIS, no_proof).block == CallBlock.NO_CONSENT_PROOF
    )
    assert next_allowed_call(paris(2026, 12, 1, 11), PARIS, no_proof) is None


def test_consented_slot_lifts_days_and_hours_only() -> None:
    saturday = paris(2026, 12, 5, 9, 0)
    decision = evaluate_call(saturday, PARIS, NO_HISTORY, consented_slot=saturday)
    assert decision.allowed and decision.by_consent
    too_late = saturday + timedelta(minutes=31)
    assert not evaluate_call(too_late, PARIS, NO_HISTORY, consented_slot=saturday).allowed
    capped = ConsumerCallHistory(attempts=attempts_on(16, 17, 18, 19))
    assert evaluate_call(saturday, PARIS, capped, consented_slot=saturday).block == (
        CallBlock.ATTEMPT_CAP
    )


def test_callback_slot_check() -> None:
    now = paris(2026, 12, 1, 11)
    saturday = paris(2026, 12, 5, 11)
    refused = check_callback_slot(saturday, now, PARIS, NO_HISTORY, consumer_requested=False)
    assert not refused.accepted
    assert refused.block == CallBlock.NON_CALLING_DAY
    assert refused.suggested_slot == paris(2026, 12, 7, 10)
    assert check_callback_slot(saturday, now, PARIS, NO_HISTORY, consumer_requested=True).accepted
    past = check_callback_slot(now - timedelta(hours=1), now, PARIS, NO_HISTORY, False)
    assert not past.accepted and past.suggested_slot == now


def test_rules_are_settings() -> None:
    strict = CallingRules(max_attempts_per_period=2)
    history = ConsumerCallHistory(attempts=attempts_on(30)[:1] + (paris(2026, 12, 1, 10),))
    assert not evaluate_call(paris(2026, 12, 1, 11), PARIS, history, strict).allowed
    assert evaluate_call(paris(2026, 12, 1, 11), PARIS, history).allowed
