"""Which providers a released lead is sold to: the matching rule, as a pure function.

Candidates are the contract versions in force that cover the lead's category and zone and are
not suspended. Each candidate is then checked against its monthly caps (leads, and euros spent
beyond the package), and ranked by:

1. **Pace** (fairness of rotation): the share of its monthly target already delivered, lowest
   first. The target is the cap in leads, else the leads included in the package, else
   `DispatchPolicy.uncapped_monthly_target`. Everyone fills at the same pace through the month
   instead of the first-listed provider taking everything.
2. **Price per lead** for the lead's category, highest first.
3. **Distance** from the provider's base to the consumer's postcode, nearest first.
4. **Last lead received**, longest ago first; then the contract id, so the order is total.

The lead is offered down that list. A candidate is taken while the number of providers stays
within every limit in play: the lead's own (the consumer may ask for fewer), the policy's
default, and the sharing level of every contract the lead is (or will be) sold under. An
exclusive contract (sharing level 1) therefore only takes a lead nobody has yet, and then
closes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class DispatchPolicy:
    # docs/domain-rules.md: a lead is shared with at most N providers, typically up to 3 or 4.
    max_providers_per_lead: int = 3
    # Pace of a contract with neither a cap nor a package: delivered / this many leads.
    uncapped_monthly_target: int = 30
    # On activation, released leads this recent that still have room are offered to it.
    backfill_days: int = 7
    # docs/domain-rules.md: a provider may dispute a lead within a window (commonly 14-30 days).
    dispute_window_days: int = 30


class UnsoldReason(StrEnum):
    NO_COVERAGE = "no_coverage"
    CAPS_REACHED = "caps_reached"


UNSOLD_LABELS = {
    UnsoldReason.NO_COVERAGE: "Aucun contrat actif (catégorie, zone)",
    UnsoldReason.CAPS_REACHED: "Plafonds du mois atteints",
}


@dataclass(frozen=True)
class Offer:
    """A contract version in force that covers the lead, with its month so far."""

    contract_id: uuid.UUID
    version_id: uuid.UUID
    provider_id: uuid.UUID
    price_cents: int
    sharing_level: int
    cap_leads: int | None
    cap_cents: int | None
    package_leads: int | None
    leads_this_month: int
    # Spent beyond the package this month, in cents.
    spent_this_month_cents: int
    distance_km: float | None
    last_sale_at: datetime | None

    @property
    def within_package(self) -> bool:
        return self.package_leads is not None and self.leads_this_month < self.package_leads

    @property
    def charge_cents(self) -> int:
        """What this lead adds to the month's bill: nothing while the package covers it."""
        return 0 if self.within_package else self.price_cents

    def under_caps(self) -> bool:
        if self.cap_leads is not None and self.leads_this_month >= self.cap_leads:
            return False
        return self.cap_cents is None or self.spent_this_month_cents + self.charge_cents <= (
            self.cap_cents
        )

    def pace(self, policy: DispatchPolicy) -> float:
        target = self.cap_leads or self.package_leads or policy.uncapped_monthly_target
        return self.leads_this_month / target


@dataclass(frozen=True)
class Sold:
    """A sale already recorded for the lead."""

    provider_id: uuid.UUID
    sharing_level: int


@dataclass(frozen=True)
class Placement:
    chosen: tuple[Offer, ...]
    # Why nothing (more) was sold, when the lead has no sale at all afterwards.
    unsold: UnsoldReason | None


def rank(offers: Sequence[Offer], policy: DispatchPolicy) -> list[Offer]:
    def key(offer: Offer) -> tuple[float, int, float, float, str]:
        return (
            offer.pace(policy),
            -offer.price_cents,
            offer.distance_km if offer.distance_km is not None else float("inf"),
            offer.last_sale_at.timestamp() if offer.last_sale_at else float("-inf"),
            str(offer.contract_id),
        )

    return sorted(offers, key=key)


def place_lead(
    offers: Sequence[Offer],
    already_sold: Sequence[Sold],
    lead_limit: int | None,
    policy: DispatchPolicy,
) -> Placement:
    """The offers to sell the lead to now, in rank order."""
    limit = min(lead_limit or policy.max_providers_per_lead, policy.max_providers_per_lead)
    for sale in already_sold:
        limit = min(limit, sale.sharing_level)
    taken = {s.provider_id for s in already_sold}
    count = len(already_sold)
    chosen: list[Offer] = []
    open_offers = [o for o in offers if o.provider_id not in taken]
    within_caps = [o for o in open_offers if o.under_caps()]
    for offer in rank(within_caps, policy):
        if offer.provider_id in taken:
            continue  # two contracts of one provider: one sale per provider
        if count + 1 > min(limit, offer.sharing_level):
            continue
        chosen.append(offer)
        taken.add(offer.provider_id)
        count += 1
        limit = min(limit, offer.sharing_level)
    if chosen or already_sold:
        return Placement(tuple(chosen), None)
    if not open_offers:
        return Placement((), UnsoldReason.NO_COVERAGE)
    return Placement((), UnsoldReason.CAPS_REACHED)
