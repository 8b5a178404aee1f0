"""Which leads the qualification experts call, and in which order.

Entry: a lead enters the qualification queue when its estimated budget reaches its sector's
threshold (data on the sector, configurable) or when its category is flagged for review
(energy renovation, credit buy-back...: categories where fake or risky requests are common).
Other leads pass the automatic checks and are released straight to dispatch.

Order: callbacks that are due come first, by due time. Then the other leads by a priority
key that estimates what calling this lead now is worth:

    worth = contact_chance(age) x value_factor x interest_factor x retry_factor

- contact_chance halves every `freshness_half_life_hours` since submission (speed to lead:
  a consumer is far easier to reach and convince in the hours after asking);
- value_factor = budget / reference budget, bounded, so a large project may wait a little
  longer than a small one before losing its place;
- interest_factor = 0.5 + score/100 from the journey interest score (0.5 to 1.5);
- retry_factor halves with each unanswered attempt: fresh leads go before ones that did not
  pick up.

Since `now` is the same for every lead, ordering by log(worth) equals ordering by the
time-invariant key below, which is stored on the lead and indexed: the queue is read in order
straight from the index, whatever its size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class QueuePolicy:
    freshness_half_life_hours: float = 24.0
    reference_budget_cents: int = 1_500_000
    min_value_factor: float = 0.5
    max_value_factor: float = 4.0
    retry_factor: float = 0.5


DEFAULT_QUEUE_POLICY = QueuePolicy()


def enters_qualification_queue(
    budget_cents: int | None, sector_threshold_cents: int, category_needs_review: bool
) -> bool:
    if category_needs_review:
        return True
    return budget_cents is not None and budget_cents >= sector_threshold_cents


def priority_key(
    submitted_at: datetime,
    budget_cents: int | None,
    interest_score: int,
    unanswered_attempts: int,
    policy: QueuePolicy = DEFAULT_QUEUE_POLICY,
) -> float:
    """Higher goes first. Differences are in natural-log units of expected worth."""
    hours = submitted_at.timestamp() / 3600.0
    freshness = hours * math.log(2) / policy.freshness_half_life_hours
    budget = budget_cents if budget_cents and budget_cents > 0 else policy.reference_budget_cents
    value = min(
        policy.max_value_factor,
        max(policy.min_value_factor, budget / policy.reference_budget_cents),
    )
    interest = 0.5 + max(0, min(100, interest_score)) / 100.0
    retries = unanswered_attempts * math.log(policy.retry_factor)
    return freshness + math.log(value) + math.log(interest) + retries
