"""What staff record of collection: mandates, payments received, rejected debits, reminders.

Every row is an insert (or a mandate's revocation), written offline too and checked again by
the server (server/collection.py). Direct debits themselves come from the server's debit run.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.billing.dunning import DunningPolicy, dunning_status
from app.billing.ledger import (
    MANUAL_KINDS,
    REJECT_REASONS,
    OpenItem,
    PaymentKind,
    allocate,
)
from app.billing.sepa import MandateInput, check_mandate
from app.clock import Clock, paris_today
from app.domain.errors import ActionRefused, FieldErrors
from app.persistence.models import Invoice, Payment, PaymentReminder, Provider, SepaMandate
from app.services.auth import StaffMember
from app.services.billing.receivables import receivables


class CollectionService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        user: StaffMember,
        policy: DunningPolicy | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.user = user
        self.policy = policy or DunningPolicy()

    def add_mandate(self, provider_id: uuid.UUID, mandate: MandateInput) -> uuid.UUID:
        checked = check_mandate(mandate, paris_today(self.clock()))
        with self.sessions.begin() as session:
            if session.get(Provider, provider_id) is None:
                raise ActionRefused("Prestataire inconnu.")
            if session.scalar(select(SepaMandate.id).where(SepaMandate.rum == checked.rum)):
                raise FieldErrors({"rum": "Cette RUM est déjà celle d'un autre mandat."})
            row = SepaMandate(
                provider_id=provider_id,
                rum=checked.rum,
                debtor_name=checked.debtor_name,
                iban=checked.iban,
                bic=checked.bic,
                kind=checked.kind,
                signed_on=checked.signed_on,
            )
            session.add(row)
            session.flush()
            return row.id

    def revoke_mandate(self, mandate_id: uuid.UUID, on: date | None = None) -> None:
        with self.sessions.begin() as session:
            mandate = session.get(SepaMandate, mandate_id)
            if mandate is None:
                raise ActionRefused("Mandat inconnu.")
            if mandate.revoked_on is not None:
                raise ActionRefused("Ce mandat est déjà révoqué.")
            mandate.revoked_on = on or paris_today(self.clock())

    def record_payment(
        self,
        provider_id: uuid.UUID,
        kind: PaymentKind,
        amount_cents: int | None,
        received_on: date | None,
        reference: str,
        invoice_id: uuid.UUID | None = None,
    ) -> list[uuid.UUID]:
        """A transfer or cheque, on one invoice or shared over the oldest open ones."""
        errors: dict[str, str] = {}
        if kind not in MANUAL_KINDS:
            errors["kind"] = "Choisissez virement ou chèque."
        if amount_cents is None:
            errors["amount"] = "Indiquez le montant reçu."
        if received_on is None:
            errors["received_on"] = "Indiquez la date de réception."
        elif received_on > paris_today(self.clock()):
            errors["received_on"] = "La date de réception ne peut pas être dans le futur."
        if errors:
            raise FieldErrors(errors)
        assert amount_cents is not None and received_on is not None
        now = self.clock()
        with self.sessions.begin() as session:
            conditions = [Invoice.provider_id == provider_id]
            if invoice_id is not None:
                conditions.append(Invoice.id == invoice_id)
            items = [
                OpenItem(r.invoice_id, r.number, r.due_date, r.open_cents)
                for r in receivables(session, *conditions, open_only=True)
            ]
            if not items:
                raise ActionRefused("Aucune facture à régler pour ce prestataire.")
            ids = []
            for item, share in allocate(amount_cents, items):
                row = Payment(
                    provider_id=provider_id,
                    invoice_id=item.invoice_id,
                    kind=kind,
                    amount_cents=share,
                    received_on=received_on,
                    reference=reference.strip()[:80],
                    recorded_by_id=self.user.id,
                    recorded_at=now,
                )
                session.add(row)
                session.flush()
                ids.append(row.id)
            return ids

    def record_reject(self, debit_id: uuid.UUID, code: str, on: date | None) -> uuid.UUID:
        """The bank returned a direct debit: the invoice is due again (and goes to dunning)."""
        if code not in REJECT_REASONS:
            raise FieldErrors({"reject_code": "Choisissez le motif de rejet donné par la banque."})
        if on is None:
            raise FieldErrors({"received_on": "Indiquez la date du rejet."})
        with self.sessions.begin() as session:
            debit = session.get(Payment, debit_id)
            if debit is None or debit.kind != PaymentKind.DIRECT_DEBIT:
                raise ActionRefused("Seul un prélèvement peut être rejeté.")
            if session.scalar(select(Payment.id).where(Payment.rejects_payment_id == debit.id)):
                raise ActionRefused("Ce prélèvement est déjà enregistré comme rejeté.")
            if on < debit.received_on:
                raise FieldErrors({"received_on": "Un rejet suit la date du prélèvement."})
            row = Payment(
                provider_id=debit.provider_id,
                invoice_id=debit.invoice_id,
                kind=PaymentKind.REJECT,
                amount_cents=-debit.amount_cents,
                received_on=on,
                reference=f"Rejet {code} de {debit.end_to_end_id or ''}".strip(),
                rejects_payment_id=debit.id,
                reject_code=code,
                recorded_by_id=self.user.id,
                recorded_at=self.clock(),
            )
            session.add(row)
            session.flush()
            return row.id

    def record_reminder(self, invoice_id: uuid.UUID) -> tuple[int, uuid.UUID]:
        """Record the next reminder level as sent today, with what it claims."""
        today = paris_today(self.clock())
        with self.sessions.begin() as session:
            found = receivables(session, Invoice.id == invoice_id)
            if not found or found[0].open_cents <= 0:
                raise ActionRefused("Cette facture n'a rien à relancer.")
            item = found[0]
            sent = set(
                session.scalars(
                    select(PaymentReminder.level).where(PaymentReminder.invoice_id == invoice_id)
                )
            )
            status = dunning_status(item.due_date, item.open_cents, sent, today, self.policy)
            if status.days_late <= 0:
                raise ActionRefused("Cette facture n'est pas encore échue.")
            if status.next_level is None:
                raise ActionRefused("Toutes les relances ont été envoyées.")
            row = PaymentReminder(
                invoice_id=invoice_id,
                provider_id=item.provider_id,
                level=status.next_level,
                sent_on=today,
                sent_by_id=self.user.id,
                open_cents=item.open_cents,
                penalty_cents=status.penalty_cents,
                indemnity_cents=status.indemnity_cents,
            )
            session.add(row)
            session.flush()
            return status.next_level, row.id
