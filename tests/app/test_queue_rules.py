from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.domain.enums import JourneyEventKind
from app.policy.interest import JourneyStep, interest_score
from app.policy.queue_rules import QueuePolicy, enters_qualification_queue, priority_key

T0 = datetime(2026, 12, 1, 10, tzinfo=UTC)


def test_queue_entry_threshold_and_review_flag() -> None:
    assert enters_qualification_queue(800_000, 800_000, False)
    assert not enters_qualification_queue(799_999, 800_000, False)
    assert not enters_qualification_queue(None, 800_000, False)
    assert enters_qualification_queue(100, 800_000, True)


def test_fresher_lead_goes_first_at_equal_value() -> None:
    assert priority_key(T0, 1_500_000, 50, 0) > priority_key(
        T0 - timedelta(hours=1), 1_500_000, 50, 0
    )


def test_value_and_interest_weigh_against_age() -> None:
    policy = QueuePolicy()
    # Twice the value is worth exactly one half-life of age.
    older_bigger = priority_key(
        T0 - timedelta(hours=policy.freshness_half_life_hours), 3_000_000, 50, 0
    )
    assert math.isclose(older_bigger, priority_key(T0, 1_500_000, 50, 0), abs_tol=1e-9)
    assert priority_key(T0, 1_500_000, 90, 0) > priority_key(T0, 1_500_000, 10, 0)


def test_unanswered_attempts_move_a_lead_back() -> None:
    assert priority_key(T0, 1_500_000, 50, 1) < priority_key(
        T0 - timedelta(hours=2), 1_500_000, 50, 0
    )


def worth(now: datetime, submitted: datetime, budget: int, score: int, p: QueuePolicy) -> float:
    age_h = (now - submitted).total_seconds() / 3600
    value = min(p.max_value_factor, max(p.min_value_factor, budget / p.reference_budget_cents))
    return 0.5 ** (age_h / p.freshness_half_life_hours) * value * (0.5 + score / 100)


leads = st.tuples(st.integers(0, 24 * 30), st.integers(10_000, 50_000_000), st.integers(0, 100))


@given(st.lists(leads, min_size=2, max_size=8), st.integers(0, 24 * 40))
def test_stored_key_orders_like_worth_at_any_moment(items: list, later_hours: int) -> None:
    p = QueuePolicy()
    now = T0 + timedelta(hours=later_hours)
    rows = [(T0 - timedelta(hours=h), b, s) for h, b, s in items]
    by_key = sorted(rows, key=lambda r: priority_key(*r, 0, p), reverse=True)
    worths = [worth(now, *r, p) for r in by_key]
    assert all(a >= b * (1 - 1e-9) for a, b in itertools.pairwise(worths))


def test_interest_score_signals() -> None:
    careless = [JourneyStep(JourneyEventKind.FORM_STEP, 5)] * 3
    engaged = [
        JourneyStep(JourneyEventKind.CONTENT_VIEW),
        JourneyStep(JourneyEventKind.CONTENT_VIEW),
        JourneyStep(JourneyEventKind.RETURN_VISIT),
        JourneyStep(JourneyEventKind.FORM_STEP, 120),
        JourneyStep(JourneyEventKind.FORM_STEP, 90, optional_step=True),
        JourneyStep(JourneyEventKind.PHOTO_UPLOAD),
    ]
    long_text = "Salle de bains de 8 m² à refaire entièrement, douche italienne, carrelage, meuble."
    assert interest_score(careless) == 0
    assert interest_score(engaged, long_text) == 8 + 10 + 25 + 20 + 10
    many = (
        engaged
        + [JourneyStep(JourneyEventKind.CONTENT_VIEW)] * 20
        + [JourneyStep(JourneyEventKind.RETURN_VISIT)] * 5
    )
    assert interest_score(many, long_text) <= 100
