"""Suspension of a provider whose invoices stay unpaid, and its resumption once paid.

The server makes the requests itself (no user, cause "unpaid") and answers them like any other
request, so the version's history shows why it was suspended and dispatch stops at once. It
resumes only what it suspended: a contract a rep suspended stays suspended.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.billing.dunning import DunningPolicy
from app.clock import paris_today
from app.domain.contracts import ContractStatus, RequestKind, RequestState
from app.persistence.models import Contract, ContractRequest, ContractVersion, Invoice
from app.services.billing.receivables import receivables
from server.changes import ChangedRows, server_stamp

UNPAID = "unpaid"


def dunning_requests(session: Session, now: datetime, policy: DunningPolicy) -> list[uuid.UUID]:
    """Make the suspension and resumption requests the unpaid invoices call for; their ids."""
    today = paris_today(now)
    overdue: dict[uuid.UUID, list[str]] = {}
    for item in receivables(
        session,
        Invoice.due_date <= today - timedelta(days=policy.suspend_after_days),
        open_only=True,
    ):
        overdue.setdefault(item.provider_id, []).append(item.number)
    # Only the versions this may change are locked (dispatch locks versions too): the active
    # ones of late payers, and the ones the server suspended for unpaid invoices.
    suspended_for_unpaid = (
        select(ContractRequest.version_id)
        .where(
            ContractRequest.cause == UNPAID,
            ContractRequest.kind == RequestKind.SUSPEND,
            ContractRequest.state == RequestState.DONE,
        )
        .scalar_subquery()
    )
    late_payers = list(overdue)
    versions = session.scalars(
        select(ContractVersion)
        .join(Contract, Contract.id == ContractVersion.contract_id)
        .where(
            ContractVersion.deleted.is_(False),
            or_(
                and_(
                    ContractVersion.status == ContractStatus.ACTIVE,
                    Contract.provider_id.in_(late_payers),
                ),
                and_(
                    ContractVersion.status == ContractStatus.SUSPENDED,
                    ContractVersion.id.in_(suspended_for_unpaid),
                ),
            ),
        )
        .order_by(ContractVersion.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    provider_of = dict(
        session.execute(
            select(Contract.id, Contract.provider_id).where(
                Contract.id.in_({v.contract_id for v in versions})
            )
        ).all()
    )
    changed = ChangedRows(session, server_stamp(now))
    made = []
    for version in versions:
        requests = session.scalars(
            select(ContractRequest)
            .where(ContractRequest.version_id == version.id)
            .order_by(ContractRequest.requested_at.desc())
        ).all()
        if any(r.state == RequestState.PENDING for r in requests):
            continue
        numbers = overdue.get(provider_of[version.contract_id])
        if version.status == ContractStatus.ACTIVE and numbers:
            kind = RequestKind.SUSPEND
            reason = (
                f"Impayé depuis plus de {policy.suspend_after_days} jours : "
                + ", ".join(numbers[:5])
                + (" …" if len(numbers) > 5 else "")
            )
        elif version.status == ContractStatus.SUSPENDED and not numbers:
            last_suspension = next(
                (
                    r
                    for r in requests
                    if r.kind == RequestKind.SUSPEND and r.state == RequestState.DONE
                ),
                None,
            )
            if last_suspension is None or last_suspension.cause != UNPAID:
                continue
            kind, reason = RequestKind.RESUME, "Factures impayées réglées."
        else:
            continue
        request = ContractRequest(
            version_id=version.id,
            kind=kind,
            requested_by_id=None,
            requested_at=now,
            reason=reason,
            state=RequestState.PENDING,
            cause=UNPAID,
        )
        session.add(request)
        session.flush()
        made.append(request.id)
    changed.stamp(session)
    return made
