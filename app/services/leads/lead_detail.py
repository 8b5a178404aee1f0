"""Everything the detail panel shows about one lead, as plain data."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

from app.clock import Clock
from app.domain.enums import OPEN_STATUSES, CallbackStatus, Disposition, LeadStatus
from app.domain.postcodes import ConsumerZone, zone_for_departement
from app.persistence.models import (
    CallAttempt,
    Callback,
    JourneyEvent,
    Lead,
    LeadStatusChange,
    Sector,
    User,
)
from app.policy.calling_rules import (
    DEFAULT_CALLING_RULES,
    LEAD_NOT_OPEN,
    CallDecision,
    CallingRules,
    evaluate_call,
)
from app.services.leads.call_history import call_histories


@dataclass(frozen=True)
class JourneyLine:
    occurred_at: datetime
    kind: str
    label: str
    duration_seconds: int


@dataclass(frozen=True)
class CallLine:
    started_at: datetime
    caller: str
    duration_seconds: int
    disposition: str
    notes: str
    by_consent: bool


@dataclass(frozen=True)
class RunningCall:
    """A call that was started and has no outcome yet (recorded when it started)."""

    attempt_id: uuid.UUID
    started_at: datetime
    caller_id: uuid.UUID


@dataclass(frozen=True)
class CallbackLine:
    due_at: datetime
    assigned_to: str
    consumer_requested: bool
    consent_note: str
    status: str


@dataclass(frozen=True)
class StatusLine:
    changed_at: datetime
    user: str
    from_status: str | None
    to_status: str
    reason: str


@dataclass(frozen=True)
class LeadDetail:
    id: uuid.UUID
    number: int
    status: LeadStatus
    submitted_at: datetime
    civility: str | None
    first_name: str
    last_name: str
    phone_e164: str
    email: str | None
    address_line: str | None
    postcode: str
    city: str
    departement_code: str
    zone: ConsumerZone
    category_name: str
    sector_name: str
    description: str
    budget_cents: int | None
    desired_start: str
    site_name: str
    site_kind: str
    site_domain: str
    consent_form_code: str | None
    consent_at: datetime | None
    consent_wording_version: str | None
    interest_score: int
    qualified_budget_cents: int | None
    qualified_start: str | None
    qualified_scope: str | None
    qualification_note: str | None
    contact_verified: bool
    qualified_at: datetime | None
    close_reason: str | None
    close_comment: str | None
    journey: list[JourneyLine]
    calls: list[CallLine]
    callbacks: list[CallbackLine]
    status_history: list[StatusLine]
    call: CallDecision
    running_calls: list[RunningCall] = dataclasses.field(default_factory=list)


def load_lead_detail(
    sessions: sessionmaker[Session],
    lead_id: uuid.UUID,
    clock: Clock,
    rules: CallingRules = DEFAULT_CALLING_RULES,
) -> LeadDetail | None:
    now = clock()
    with sessions() as session:
        return read_lead_detail(session, lead_id, now, rules)


def read_lead_detail(
    session: Session,
    lead_id: uuid.UUID,
    now: datetime,
    rules: CallingRules = DEFAULT_CALLING_RULES,
) -> LeadDetail | None:
    """The detail of a lead in an open session (the workstation's or the server's)."""
    lead = session.get(Lead, lead_id)
    if lead is None or lead.deleted:
        return None
    sector = session.get(Sector, lead.category.sector_id)
    journey = [
        JourneyLine(e.occurred_at, e.kind, e.label, e.duration_seconds)
        for e in session.scalars(
            select(JourneyEvent)
            .where(JourneyEvent.lead_id == lead.id)
            .order_by(JourneyEvent.occurred_at)
        )
    ]
    attempts = session.execute(
        select(CallAttempt, User.display_name)
        .join(User, User.id == CallAttempt.caller_id)
        .where(CallAttempt.lead_id == lead.id, CallAttempt.deleted.is_(False))
        .order_by(CallAttempt.started_at.desc())
    ).all()
    calls = [
        CallLine(c.started_at, name, c.duration_seconds, c.disposition, c.notes, c.by_consent)
        for c, name in attempts
    ]
    running = [
        RunningCall(c.id, c.started_at, c.caller_id)
        for c, _name in attempts
        if c.disposition == Disposition.PENDING
    ]
    callbacks = [
        CallbackLine(cb.due_at, name, cb.consumer_requested, cb.consent_note, cb.status)
        for cb, name in session.execute(
            select(Callback, User.display_name)
            .join(User, User.id == Callback.assigned_to_id)
            .where(Callback.lead_id == lead.id)
            .order_by(Callback.due_at.desc())
        )
    ]
    author = aliased(User)
    history = [
        StatusLine(h.changed_at, name or "Système", h.from_status, h.to_status, h.reason)
        for h, name in session.execute(
            select(LeadStatusChange, author.display_name)
            .outerjoin(author, author.id == LeadStatusChange.user_id)
            .where(LeadStatusChange.lead_id == lead.id)
            .order_by(LeadStatusChange.changed_at.desc())
        )
    ]
    pending = next(
        (c for c in callbacks if c.status == CallbackStatus.PENDING and c.consumer_requested),
        None,
    )
    call_history = dataclasses.replace(
        call_histories(session, [lead.phone_e164], now, rules)[lead.phone_e164],
        has_consent_proof=lead.has_consent_proof,
    )
    zone = zone_for_departement(lead.departement_code)
    decision = (
        evaluate_call(
            now, zone, call_history, rules, consented_slot=pending.due_at if pending else None
        )
        if LeadStatus(lead.status) in OPEN_STATUSES
        else LEAD_NOT_OPEN
    )
    return LeadDetail(
        id=lead.id,
        number=lead.number,
        status=LeadStatus(lead.status),
        submitted_at=lead.submitted_at,
        civility=lead.civility,
        first_name=lead.first_name,
        last_name=lead.last_name,
        phone_e164=lead.phone_e164,
        email=lead.email,
        address_line=lead.address_line,
        postcode=lead.postcode,
        city=lead.city,
        departement_code=lead.departement_code,
        zone=zone,
        category_name=lead.category.name,
        sector_name=sector.name if sector else "",
        description=lead.description,
        budget_cents=lead.budget_cents,
        desired_start=lead.desired_start,
        site_name=lead.site.name,
        site_kind=lead.site.kind,
        site_domain=lead.site.domain,
        consent_form_code=lead.consent_form_code,
        consent_at=lead.consent_at,
        consent_wording_version=lead.consent_wording_version,
        interest_score=lead.interest_score,
        qualified_budget_cents=lead.qualified_budget_cents,
        qualified_start=lead.qualified_start,
        qualified_scope=lead.qualified_scope,
        qualification_note=lead.qualification_note,
        contact_verified=lead.contact_verified,
        qualified_at=lead.qualified_at,
        close_reason=lead.close_reason,
        close_comment=lead.close_comment,
        journey=journey,
        calls=calls,
        callbacks=callbacks,
        status_history=history,
        call=decision,
        running_calls=running,
    )


# -- as JSON (the server's GET /api/v1/leads/{id}) ------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def lead_detail_to_json(detail: LeadDetail) -> dict[str, Any]:
    """JSON values (ids and times as strings); the zone is left out: it follows from the
    département."""
    plain = _plain(detail)
    del plain["zone"]
    return plain  # type: ignore[no-any-return]


def _typed(kind: Any, value: Any) -> Any:
    """`value` (a JSON value) as the annotated type `kind`: the inverse of `_plain`."""
    if value is None:
        return None
    origin = get_origin(kind)
    if origin in (Union, UnionType):
        return _typed(next(a for a in get_args(kind) if a is not type(None)), value)
    if origin is list:
        return [_typed(get_args(kind)[0], v) for v in value]
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    if dataclasses.is_dataclass(kind):
        hints = get_type_hints(kind)
        return kind(
            **{
                f.name: _typed(hints[f.name], value[f.name])
                for f in dataclasses.fields(kind)
                if f.name in value
            }
        )
    return value


def lead_detail_from_json(data: dict[str, Any]) -> LeadDetail:
    """A lead's detail as the server sent it (`lead_detail_to_json`)."""
    hints = get_type_hints(LeadDetail)
    values = {
        f.name: _typed(hints[f.name], data[f.name])
        for f in dataclasses.fields(LeadDetail)
        if f.name != "zone" and f.name in data
    }
    return LeadDetail(zone=zone_for_departement(data["departement_code"]), **values)
