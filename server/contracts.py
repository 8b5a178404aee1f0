"""Contracts on the server: what a push may change (contract terms, requests, disputes), and
the answers to contract requests.

Reps edit drafts and record "sent" and "signed" from their workstations (synced edits). From
"signed" on, the terms are frozen, and the steps that start or stop the sale of leads
(activate, suspend, resume, terminate) are requests the server answers, here.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import paris_today
from app.dispatch.matching import DispatchPolicy
from app.domain.contracts import (
    CLIENT_STEPS,
    REQUEST_STEPS,
    STATUS_LABELS,
    ContractStatus,
    RequestKind,
    RequestState,
    VersionSpan,
    check_terms,
    plan_activation,
)
from app.domain.disputes import DisputeStatus, check_filing
from app.domain.errors import ActionRefused, FieldErrors
from app.persistence.models import (
    Contract,
    ContractEvent,
    ContractRequest,
    ContractVersion,
    LeadDispute,
    LeadSale,
)
from app.services.contracts.contract_terms import category_floors, terms_of
from server.changes import ChangedRows, server_edit, server_stamp
from server.sequence import take_numbers

_TERM_TABLES = frozenset({"contract_prices", "contract_zones"})


def refusal(
    session: Session,
    table: str,
    row: Any,
    values: dict[str, Any],
    inserting: bool,
    policy: DispatchPolicy,
) -> str | None:
    """Why a pushed contract edit may not be applied, or None (French, shown to the rep)."""
    if table == "contract_versions":
        if inserting:
            if values.get("status") != ContractStatus.DRAFT:
                return "Une version de contrat naît en brouillon."
            taken = session.scalar(
                select(ContractVersion.id).where(
                    ContractVersion.contract_id == values.get("contract_id"),
                    ContractVersion.number == values.get("number"),
                )
            )
            if taken is not None:
                return (
                    f"Une version {values.get('number')} de ce contrat existe déjà "
                    "(avenant écrit en même temps sur un autre poste) : rédigez le vôtre à nouveau."
                )
            return None
        status = ContractStatus(row.status)
        wanted = values.get("status", status)
        if wanted != status and wanted not in CLIENT_STEPS.get(status, frozenset()):
            return (
                f"Passage « {STATUS_LABELS[status]} » → « {STATUS_LABELS[ContractStatus(wanted)]} »"
                " réservé au serveur (demande d'activation, de suspension ou de résiliation)."
            )
        if status not in (ContractStatus.DRAFT, ContractStatus.SENT):
            frozen = set(values) - {"updated_at", "notes"}
            if frozen:
                return "Version signée : ses conditions ne changent que par avenant."
        return None
    if table in _TERM_TABLES:
        version = session.get(ContractVersion, values.get("version_id") or row.version_id)
        if version is None or version.status != ContractStatus.DRAFT:
            return "Version signée : ses conditions ne changent que par avenant."
        return None
    if table == "contract_requests" and values.get("state") != RequestState.PENDING:
        return "Une demande arrive en attente ; le serveur seul y répond."
    if table == "lead_disputes" and inserting:
        return _dispute_refusal(session, values, policy)
    return None


def _dispute_refusal(
    session: Session, values: dict[str, Any], policy: DispatchPolicy
) -> str | None:
    if values.get("status") != DisputeStatus.OPEN:
        return "Une contestation arrive « à examiner »."
    sale = session.get(LeadSale, values.get("sale_id"))
    if sale is None or sale.provider_id != values.get("provider_id"):
        return "Vente inconnue pour ce prestataire."
    if session.scalar(select(LeadDispute.id).where(LeadDispute.sale_id == sale.id)):
        return "Ce lead est déjà contesté (contestation déposée depuis un autre poste)."
    try:
        check_filing(sale.sold_at, values["filed_at"], policy.dispute_window_days)
    except ActionRefused as refused:
        return refused.message
    return None


def pending_requests(session: Session) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(ContractRequest.id)
            .where(ContractRequest.state == RequestState.PENDING)
            .order_by(ContractRequest.requested_at)
        )
    )


def answer_request(
    session: Session, request_id: uuid.UUID, now: datetime
) -> ContractRequest | None:
    """Carry out one pending request, or refuse it with the reason. Idempotent."""
    request = session.scalars(
        select(ContractRequest).where(ContractRequest.id == request_id).with_for_update()
    ).one_or_none()
    if request is None or request.state != RequestState.PENDING:
        return request
    changed = ChangedRows(session, server_stamp(now))
    version = session.scalars(
        select(ContractVersion).where(ContractVersion.id == request.version_id).with_for_update()
    ).one()
    kind = RequestKind(request.kind)
    allowed_from, target = REQUEST_STEPS[kind]
    status = ContractStatus(version.status)
    refused: str | None = None
    if status not in allowed_from:
        refused = f"La version {version.number} est « {STATUS_LABELS[status]} »."
    elif kind == RequestKind.ACTIVATE:
        refused = _activate(session, version, request, now)
    if refused is None:
        server_edit(
            version, {"status": target, "status_changed_at": now}, now, request.requested_by_id
        )
        if kind == RequestKind.TERMINATE:
            _terminate(version, request, now)
        session.add(
            ContractEvent(
                version_id=version.id,
                occurred_at=now,
                user_id=request.requested_by_id,
                from_status=status,
                to_status=target,
                note=request.reason,
            )
        )
    server_edit(
        request,
        {
            "state": RequestState.REFUSED if refused else RequestState.DONE,
            "answer": refused or "",
            "answered_at": now,
        },
        now,
        None,
    )
    changed.stamp(session, request, version)
    return request


def _terminate(version: ContractVersion, request: ContractRequest, now: datetime) -> None:
    """Termination takes effect once the notice has run, counted from the request (or at the
    fixed end if that comes first): leads keep coming until then, and tacit renewal stops."""
    last_day = paris_today(request.requested_at) + timedelta(days=version.notice_days)
    if version.ends_on is not None and version.ends_on >= paris_today(request.requested_at):
        last_day = min(last_day, version.ends_on)
    server_edit(
        version, {"ends_on": last_day, "tacit_renewal": False}, now, request.requested_by_id
    )


def _activate(
    session: Session, version: ContractVersion, request: ContractRequest, now: datetime
) -> str | None:
    try:
        check_terms(terms_of(session, version), category_floors(session))
    except FieldErrors as errors:
        return "Conditions invalides : " + " ".join(errors.errors.values())
    others = list(
        session.scalars(
            select(ContractVersion)
            .where(
                ContractVersion.contract_id == version.contract_id,
                ContractVersion.id != version.id,
                ContractVersion.deleted.is_(False),
            )
            .order_by(ContractVersion.id)
            .with_for_update()
        )
    )
    to_end, refused = plan_activation(_span(version), [_span(o) for o in others])
    if refused:
        return refused
    by_number = {o.number: o for o in others}
    for number, last_day in to_end:
        older = by_number[number]
        server_edit(
            older, {"ends_on": last_day, "tacit_renewal": False}, now, request.requested_by_id
        )
        session.add(
            ContractEvent(
                version_id=older.id,
                occurred_at=now,
                user_id=request.requested_by_id,
                from_status=older.status,
                to_status=older.status,
                note=f"Remplacée par l'avenant {version.number} à compter du "
                f"{version.starts_on:%d/%m/%Y}.",
            )
        )
    contract = session.get(Contract, version.contract_id)
    assert contract is not None
    if contract.reference is None:
        number = take_numbers(session, "contract_number", 1)
        server_edit(contract, {"reference": f"CT-{number:06d}"}, now, None)
    return None


def _span(version: ContractVersion) -> VersionSpan:
    return VersionSpan(
        version.number, ContractStatus(version.status), version.starts_on, version.ends_on
    )
