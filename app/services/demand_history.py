"""Reads what the demand simulation needs from the leads and call attempts.

Runs on a workstation that holds the leads (a manager's, or a local demo workspace) and on the
server for the sales reps, whose workstations do not receive leads. Months are UTC months.
The counts read the covering index ix_leads_demand (category, département, time, postcode).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock, paris_today
from app.demand.forecast import DemandHistory, DemandPolicy, add_months, history_months
from app.domain.enums import Disposition
from app.domain.geography import point_for_postcode, postcodes_within
from app.domain.postcodes import departement_code_for_postcode
from app.persistence.models import (
    CallAttempt,
    Contract,
    ContractPrice,
    ContractVersion,
    ContractZone,
    Lead,
)
from app.services.contracts.contract_terms import selling

CONTACT_SAMPLE = 5000

# Dispositions of a call in which the consumer answered.
REACHED = (
    Disposition.QUALIFIED,
    Disposition.NOT_INTERESTED,
    Disposition.CALLBACK_REQUESTED,
    Disposition.DUPLICATE,
)


@dataclass(frozen=True)
class RadiusZone:
    postcode: str
    radius_km: int


@dataclass(frozen=True)
class DemandSelection:
    category_ids: tuple[uuid.UUID, ...]
    departements: tuple[str, ...] = ()
    radius_zones: tuple[RadiusZone, ...] = ()
    # The prospect being simulated, not counted among the providers already there.
    exclude_provider_id: uuid.UUID | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "category_ids": [str(c) for c in self.category_ids],
            "departements": list(self.departements),
            "radius_zones": [[z.postcode, z.radius_km] for z in self.radius_zones],
            "exclude_provider_id": str(self.exclude_provider_id)
            if self.exclude_provider_id
            else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DemandSelection:
        exclude = data.get("exclude_provider_id")
        return cls(
            tuple(uuid.UUID(c) for c in data["category_ids"]),
            tuple(str(d) for d in data.get("departements", ())),
            tuple(RadiusZone(str(p), int(r)) for p, r in data.get("radius_zones", ())),
            uuid.UUID(exclude) if exclude else None,
        )


def history_to_json(history: DemandHistory) -> dict[str, Any]:
    return {
        "months": [m.isoformat() for m in history.months],
        "counts": list(history.counts),
        "reference_counts": list(history.reference_counts),
        "called_leads": history.called_leads,
        "reached_leads": history.reached_leads,
        "reference_called_leads": history.reference_called_leads,
        "reference_reached_leads": history.reference_reached_leads,
        "competing_providers": history.competing_providers,
    }


def history_from_json(data: dict[str, Any]) -> DemandHistory:
    return DemandHistory(
        months=tuple(date.fromisoformat(m) for m in data["months"]),
        counts=tuple(int(c) for c in data["counts"]),
        reference_counts=tuple(int(c) for c in data["reference_counts"]),
        called_leads=int(data["called_leads"]),
        reached_leads=int(data["reached_leads"]),
        reference_called_leads=int(data["reference_called_leads"]),
        reference_reached_leads=int(data["reference_reached_leads"]),
        competing_providers=int(data["competing_providers"]),
    )


def _month_key(session: Session) -> ColumnElement[str]:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return func.to_char(Lead.submitted_at, "YYYY-MM")
    if dialect in ("mysql", "mariadb"):
        return func.date_format(Lead.submitted_at, "%Y-%m")
    return func.substr(Lead.submitted_at, 1, 7)


def _zone_filter(selection: DemandSelection) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if selection.departements:
        clauses.append(Lead.departement_code.in_(selection.departements))
    postcodes: set[str] = set()
    for zone in selection.radius_zones:
        center = point_for_postcode(zone.postcode)
        if center is not None:
            postcodes |= postcodes_within(center, zone.radius_km)
        postcodes.add(zone.postcode)
    if postcodes:
        departements = {departement_code_for_postcode(p) for p in postcodes}
        clauses.append(
            and_(Lead.departement_code.in_(departements), Lead.postcode.in_(sorted(postcodes)))
        )
    return or_(*clauses) if clauses else false()


def selection_departements(selection: DemandSelection) -> set[str]:
    found = set(selection.departements)
    for zone in selection.radius_zones:
        center = point_for_postcode(zone.postcode)
        postcodes = postcodes_within(center, zone.radius_km) if center else set()
        found |= {departement_code_for_postcode(p) for p in postcodes | {zone.postcode}}
    return found


def _monthly_counts(
    session: Session, where: list[ColumnElement[bool]], months: tuple[date, ...]
) -> tuple[int, ...]:
    key = _month_key(session)
    rows = session.execute(select(key, func.count()).where(*where).group_by(key)).all()
    by_month = {str(k): int(n) for k, n in rows}
    return tuple(by_month.get(m.strftime("%Y-%m"), 0) for m in months)


def _call_stats(
    session: Session, where: list[ColumnElement[bool]], sample: int = CONTACT_SAMPLE
) -> tuple[int, int]:
    """(called, answered) among the selection's latest `sample` leads.

    A few thousand leads give the rate within about two points; reading every call of a
    nationwide selection would take seconds.
    """
    lead_ids = list(
        session.scalars(
            select(Lead.id).where(*where).order_by(Lead.submitted_at.desc()).limit(sample)
        )
    )
    called: set[uuid.UUID] = set()
    answered: set[uuid.UUID] = set()
    for start in range(0, len(lead_ids), 900):
        for lead_id, disposition in session.execute(
            select(CallAttempt.lead_id, CallAttempt.disposition).where(
                CallAttempt.lead_id.in_(lead_ids[start : start + 900])
            )
        ):
            called.add(lead_id)
            if disposition in REACHED:
                answered.add(lead_id)
    return len(called), len(answered)


def _competing_providers(session: Session, selection: DemandSelection, as_of: datetime) -> int:
    """Providers already buying these categories here: an active contract version in force
    that prices one of the categories and has a zone in one of the selection's départements."""
    departements = selection_departements(selection)
    today = paris_today(as_of)
    query = (
        select(Contract.provider_id, ContractZone.departement_code, ContractZone.postcode)
        .join(ContractVersion, ContractVersion.contract_id == Contract.id)
        .join(ContractPrice, ContractPrice.version_id == ContractVersion.id)
        .join(ContractZone, ContractZone.version_id == ContractVersion.id)
        .where(
            selling(today),
            Contract.deleted.is_(False),
            ContractPrice.deleted.is_(False),
            ContractZone.deleted.is_(False),
            ContractPrice.category_id.in_(selection.category_ids),
        )
    )
    if selection.exclude_provider_id is not None:
        query = query.where(Contract.provider_id != selection.exclude_provider_id)
    return len(
        {
            provider_id
            for provider_id, departement, postcode in session.execute(query)
            if (departement or departement_code_for_postcode(postcode or "")) in departements
        }
    )


def read_demand_history(
    session: Session,
    selection: DemandSelection,
    as_of: datetime,
    policy: DemandPolicy | None = None,
) -> DemandHistory:
    policy = policy or DemandPolicy()
    window = history_months(as_of.date(), policy.history_months)
    start = datetime.combine(window[0], datetime.min.time(), UTC)
    end = datetime.combine(add_months(window[-1], 1), datetime.min.time(), UTC)
    # Erased (deleted) requests still were demand: they are counted, and the count reads the
    # covering index alone.
    base = [
        Lead.category_id.in_(selection.category_ids),
        Lead.submitted_at >= start,
        Lead.submitted_at < end,
    ]
    in_zone = [*base, _zone_filter(selection)]
    called, reached = _call_stats(session, in_zone)
    reference_called, reference_reached = called, reached
    if called < policy.min_called_leads:
        reference_called, reference_reached = _call_stats(session, base)
    counts = _monthly_counts(session, in_zone, window)
    # The nationwide profile is read only when the zone is too small for its own.
    reference_counts = counts
    if sum(counts) < policy.min_leads_for_own_seasonality:
        reference_counts = _monthly_counts(session, base, window)
    return DemandHistory(
        months=window,
        counts=counts,
        reference_counts=reference_counts,
        called_leads=called,
        reached_leads=reached,
        reference_called_leads=reference_called,
        reference_reached_leads=reference_reached,
        competing_providers=_competing_providers(session, selection, as_of),
    )


def local_history_reader(
    sessions: sessionmaker[Session], clock: Clock, policy: DemandPolicy
) -> Callable[[DemandSelection], DemandHistory]:
    """The history from a workstation's own leads (a manager's, or an offline demo)."""

    def read(selection: DemandSelection) -> DemandHistory:
        with sessions() as session:
            return read_demand_history(session, selection, clock(), policy)

    return read
