"""Disputes of sold leads: filed by staff for the provider, then accepted or refused.

The credit of an accepted dispute is made by the server when the decision reaches it (one per
dispute), so two workstations deciding at once can never give two credits.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.dispatch.matching import DispatchPolicy
from app.domain.disputes import DisputeReason, DisputeStatus, check_filing
from app.domain.errors import ActionRefused, FieldErrors
from app.persistence.models import LeadDispute, LeadSale
from app.services.auth import StaffMember


class DisputeService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        user: StaffMember,
        policy: DispatchPolicy | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.user = user
        self.policy = policy or DispatchPolicy()

    def file(self, sale_id: uuid.UUID, reason: DisputeReason | None, comment: str) -> uuid.UUID:
        if reason is None:
            raise FieldErrors({"reason": "Choisissez le motif de la contestation."})
        now = self.clock()
        with self.sessions.begin() as session:
            sale = session.get(LeadSale, sale_id)
            if sale is None:
                raise ActionRefused("Vente inconnue.")
            if session.scalar(select(LeadDispute.id).where(LeadDispute.sale_id == sale_id)):
                raise ActionRefused("Ce lead est déjà contesté.")
            check_filing(sale.sold_at, now, self.policy.dispute_window_days)
            dispute = LeadDispute(
                sale_id=sale.id,
                provider_id=sale.provider_id,
                reason=reason,
                comment=comment.strip(),
                filed_at=now,
                filed_by_id=self.user.id,
                status=DisputeStatus.OPEN,
            )
            session.add(dispute)
            session.flush()
            return dispute.id

    def decide(self, dispute_id: uuid.UUID, accept: bool, note: str) -> None:
        if not accept and not note.strip():
            raise FieldErrors({"decision_note": "Indiquez pourquoi la contestation est refusée."})
        with self.sessions.begin() as session:
            dispute = session.get(LeadDispute, dispute_id)
            if dispute is None:
                raise ActionRefused("Contestation inconnue.")
            if dispute.status != DisputeStatus.OPEN:
                raise ActionRefused("Cette contestation a déjà été tranchée.")
            dispute.status = DisputeStatus.ACCEPTED if accept else DisputeStatus.REFUSED
            dispute.decision_note = note.strip()
            dispute.decided_at = self.clock()
            dispute.decided_by_id = self.user.id
