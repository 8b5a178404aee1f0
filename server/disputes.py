"""Credits from accepted disputes: made by the server, once per dispute (unique key)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.disputes import DisputeStatus
from app.persistence.models import LeadDispute, LeadSale, ProviderCredit
from server.changes import ChangedRows, server_edit, server_stamp


def settle_dispute(session: Session, dispute_id: uuid.UUID, now: datetime) -> ProviderCredit | None:
    """Make the credit of an accepted dispute, or withdraw it if the decision was reversed."""
    dispute = session.scalars(
        select(LeadDispute).where(LeadDispute.id == dispute_id).with_for_update()
    ).one_or_none()
    if dispute is None:
        return None
    changed = ChangedRows(session, server_stamp(now))
    credit = session.scalars(
        select(ProviderCredit).where(ProviderCredit.dispute_id == dispute.id)
    ).one_or_none()
    accepted = dispute.status == DisputeStatus.ACCEPTED and not dispute.deleted
    if accepted and credit is None:
        sale = session.get(LeadSale, dispute.sale_id)
        assert sale is not None
        credit = ProviderCredit(
            provider_id=dispute.provider_id,
            dispute_id=dispute.id,
            # A lead covered by the package cost nothing on its own: the credit is its price
            # all the same, as the package's leads were paid for through the fee.
            amount_cents=sale.price_cents,
            label=f"Avoir – lead n° {sale.lead_number} contesté ({sale.sold_at:%d/%m/%Y})",
            granted_at=now,
        )
        session.add(credit)
    elif credit is not None and accepted == credit.deleted:
        server_edit(credit, {"deleted": not accepted}, now, None)
    changed.stamp(session)
    return credit
