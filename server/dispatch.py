"""Selling released leads to providers under their contracts (the rule: app.dispatch.matching).

Each lead is placed in its own transaction, and two releases of one lead, or of two leads
competing for the last lead of a cap, may run at once on two workers. Never overselling rests
on locks taken in one order, lead first, then the contract versions in id order:

- the lead row is locked, so a second placement of the same lead waits, then sees the sales
  of the first;
- the candidate versions are locked before their month's sales are counted, so two leads
  competing for one provider's cap are counted one after the other;
- counts are read at READ COMMITTED (MariaDB's default REPEATABLE READ would count from a
  snapshot older than the lock);
- and the unique key (lead, provider) refuses a double sale even if all of that failed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine, and_, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import month_start, paris_today
from app.dispatch.matching import DispatchPolicy, Offer, Sold, place_lead
from app.domain.enums import LeadStatus
from app.domain.geography import GeoPoint, distance_km, point_for_postcode
from app.persistence.models import (
    Contract,
    ContractPrice,
    ContractVersion,
    ContractZone,
    Lead,
    LeadSale,
    Provider,
    UnsoldLead,
)
from app.services.contracts.contract_terms import SELLING_STATUSES, selling
from server.changes import ChangedRows, server_edit, server_stamp

T = TypeVar("T")


@dataclass(frozen=True)
class Placed:
    lead_id: uuid.UUID
    sold_to: tuple[uuid.UUID, ...]  # provider ids, in rank order
    unsold_reason: str | None


def dispatch_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions for placements: READ COMMITTED where the database knows isolation levels."""
    if engine.dialect.name != "sqlite":
        engine = engine.execution_options(isolation_level="READ COMMITTED")
    return sessionmaker(engine, expire_on_commit=False)


def dispatch_lead(
    session: Session,
    lead_id: uuid.UUID,
    now: datetime,
    policy: DispatchPolicy,
    only_versions: frozenset[uuid.UUID] | None = None,
) -> Placed:
    """Sell the lead to what its contracts allow now; idempotent. The caller commits.

    `only_versions` limits the offer to some contract versions (a backfill after activation).
    """
    lead = session.scalars(select(Lead).where(Lead.id == lead_id).with_for_update()).one_or_none()
    if lead is None or lead.deleted or lead.status != LeadStatus.RELEASED:
        return Placed(lead_id, (), None)
    changed = ChangedRows(session, server_stamp(now))
    already = [
        Sold(provider_id, sharing)
        for provider_id, sharing in session.execute(
            select(LeadSale.provider_id, LeadSale.sharing_level).where(LeadSale.lead_id == lead.id)
        )
    ]
    lead_point = point_for_postcode(lead.postcode)
    covering = _covering_versions(session, lead, now, lead_point)
    if only_versions is not None:
        covering = {v: c for v, c in covering.items() if v in only_versions}
    offers = _offers(session, covering, now, lead_point)
    placement = place_lead(offers, already, lead.max_providers, policy)
    for rank, offer in enumerate(placement.chosen, start=len(already) + 1):
        session.add(
            LeadSale(
                lead_id=lead.id,
                provider_id=offer.provider_id,
                contract_id=offer.contract_id,
                version_id=offer.version_id,
                category_id=lead.category_id,
                lead_number=lead.number,
                lead_postcode=lead.postcode,
                lead_city=lead.city,
                sold_at=now,
                price_cents=offer.price_cents,
                within_package=offer.within_package,
                sharing_level=offer.sharing_level,
                rank=rank,
                distance_km=None if offer.distance_km is None else round(offer.distance_km, 1),
            )
        )
    _record_unsold(session, lead.id, placement.unsold, bool(placement.chosen), now, only_versions)
    changed.stamp(session)
    return Placed(lead.id, tuple(o.provider_id for o in placement.chosen), placement.unsold)


@dataclass(frozen=True)
class _Covering:
    version: ContractVersion
    contract_id: uuid.UUID
    provider_id: uuid.UUID
    price_cents: int
    provider_point: GeoPoint | None


def _covering_versions(
    session: Session, lead: Lead, now: datetime, lead_point: GeoPoint | None
) -> dict[uuid.UUID, _Covering]:
    today = paris_today(now)
    rows = session.execute(
        select(
            ContractVersion,
            Contract.id,
            Contract.provider_id,
            ContractPrice.price_cents,
            Provider.latitude,
            Provider.longitude,
        )
        .join(ContractPrice, ContractPrice.version_id == ContractVersion.id)
        .join(Contract, Contract.id == ContractVersion.contract_id)
        .join(Provider, Provider.id == Contract.provider_id)
        .where(
            selling(today),
            ContractPrice.category_id == lead.category_id,
            ContractPrice.deleted.is_(False),
            Contract.deleted.is_(False),
            Provider.deleted.is_(False),
        )
    ).all()
    if not rows:
        return {}
    zones: dict[uuid.UUID, list[ContractZone]] = {}
    for zone in session.scalars(
        select(ContractZone).where(
            ContractZone.version_id.in_([r[0].id for r in rows]),
            ContractZone.deleted.is_(False),
        )
    ):
        zones.setdefault(zone.version_id, []).append(zone)
    found: dict[uuid.UUID, _Covering] = {}
    for version, contract_id, provider_id, price, lat, lon in rows:
        if any(_zone_covers(z, lead, lead_point) for z in zones.get(version.id, [])):
            point = GeoPoint(lat, lon) if lat is not None and lon is not None else None
            found[version.id] = _Covering(version, contract_id, provider_id, price, point)
    return found


def _zone_covers(zone: ContractZone, lead: Lead, lead_point: GeoPoint | None) -> bool:
    if zone.departement_code:
        return zone.departement_code == lead.departement_code
    if zone.postcode == lead.postcode:
        return True
    center = point_for_postcode(zone.postcode or "")
    if center is None or lead_point is None or zone.radius_km is None:
        return False
    return distance_km(center, lead_point) <= zone.radius_km


def _offers(
    session: Session,
    covering: dict[uuid.UUID, _Covering],
    now: datetime,
    lead_point: GeoPoint | None,
) -> list[Offer]:
    if not covering:
        return []
    # Lock the versions (id order), then re-read them: a suspension may just have committed.
    locked = {
        v.id: v
        for v in session.scalars(
            select(ContractVersion)
            .where(ContractVersion.id.in_(sorted(covering)))
            .order_by(ContractVersion.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    live = {vid: c for vid, c in covering.items() if locked[vid].status in SELLING_STATUSES}
    if not live:
        return []
    contract_ids = sorted({c.contract_id for c in live.values()})
    month = {
        contract_id: (count, spent, last)
        for contract_id, count, spent, last in session.execute(
            select(
                LeadSale.contract_id,
                func.count(),
                func.coalesce(
                    func.sum(
                        case((LeadSale.within_package.is_(False), LeadSale.price_cents), else_=0)
                    ),
                    0,
                ),
                func.max(LeadSale.sold_at),
            )
            .where(
                and_(LeadSale.contract_id.in_(contract_ids), LeadSale.sold_at >= month_start(now))
            )
            .group_by(LeadSale.contract_id)
        )
    }
    offers = []
    for version_id, c in live.items():
        count, spent, last = month.get(c.contract_id, (0, 0, None))
        v = locked[version_id]
        offers.append(
            Offer(
                contract_id=c.contract_id,
                version_id=version_id,
                provider_id=c.provider_id,
                price_cents=c.price_cents,
                sharing_level=v.sharing_level,
                cap_leads=v.cap_leads,
                cap_cents=v.cap_cents,
                package_leads=v.package_leads,
                leads_this_month=int(count),
                spent_this_month_cents=int(spent),  # MariaDB sums as Decimal
                distance_km=(
                    distance_km(c.provider_point, lead_point)
                    if c.provider_point and lead_point
                    else None
                ),
                last_sale_at=last,
            )
        )
    return offers


def _record_unsold(
    session: Session,
    lead_id: uuid.UUID,
    reason: str | None,
    sold_now: bool,
    now: datetime,
    only_versions: frozenset[uuid.UUID] | None,
) -> None:
    existing = session.scalars(select(UnsoldLead).where(UnsoldLead.lead_id == lead_id)).first()
    if sold_now:
        if existing is not None and existing.sold_later_at is None:
            server_edit(existing, {"sold_later_at": now}, now, None)
        return
    if reason is None or only_versions is not None:
        return  # a backfill's narrow offer says nothing about the lead as a whole
    if existing is None:
        session.add(UnsoldLead(lead_id=lead_id, reason=reason, recorded_at=now))
    elif existing.reason != reason and existing.sold_later_at is None:
        server_edit(existing, {"reason": reason, "recorded_at": now}, now, None)


def backfill_candidates(
    session: Session, version_id: uuid.UUID, now: datetime, policy: DispatchPolicy
) -> list[uuid.UUID]:
    """Released leads of the last days in the version's categories, oldest first."""
    categories = select(ContractPrice.category_id).where(
        ContractPrice.version_id == version_id, ContractPrice.deleted.is_(False)
    )
    return list(
        session.scalars(
            select(Lead.id)
            .where(
                Lead.status == LeadStatus.RELEASED,
                Lead.deleted.is_(False),
                Lead.category_id.in_(categories),
                Lead.submitted_at >= now - timedelta(days=policy.backfill_days),
            )
            .order_by(Lead.submitted_at)
        )
    )


def released_without_placement(
    session: Session, now: datetime, policy: DispatchPolicy
) -> list[uuid.UUID]:
    """Recent released leads never placed (no sale, no unsold record): a crash's leftovers."""
    return list(
        session.scalars(
            select(Lead.id)
            .where(
                Lead.status == LeadStatus.RELEASED,
                Lead.deleted.is_(False),
                Lead.submitted_at >= now - timedelta(days=policy.backfill_days),
                ~select(LeadSale.id).where(LeadSale.lead_id == Lead.id).exists(),
                ~select(UnsoldLead.id).where(UnsoldLead.lead_id == Lead.id).exists(),
            )
            .order_by(Lead.submitted_at)
        )
    )


def run_each(
    transact: Callable[[Callable[[Session], T]], T],
    lead_ids: list[uuid.UUID],
    now: Callable[[], datetime],
    policy: DispatchPolicy,
    only_versions: frozenset[uuid.UUID] | None = None,
) -> list[Placed]:
    return [
        transact(lambda s, lead_id=lead_id: dispatch_lead(s, lead_id, now(), policy, only_versions))
        for lead_id in lead_ids
    ]
