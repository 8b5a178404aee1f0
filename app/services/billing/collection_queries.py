"""Reading invoices, payments and dunning for the back-office screens (local synced rows)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from app.billing.dunning import DunningPolicy, DunningStatus, dunning_status
from app.billing.invoices import InvoiceKind, InvoiceStatus
from app.billing.journal import (
    EntryLine,
    InvoiceForJournal,
    PaymentForJournal,
    invoice_entry,
    payment_entry,
)
from app.billing.ledger import PAYMENT_KIND_LABELS, PaymentKind, aged_balance
from app.billing.sepa import DebitLine, MandateKind, lapses_on, mandate_usable
from app.clock import first_of_next_month
from app.persistence.models import (
    DebitBatch,
    Invoice,
    Payment,
    PaymentReminder,
    Provider,
    SepaMandate,
)
from app.reports.reminder_pdf import ReminderLetter
from app.services.billing.receivables import Receivable, receivables, receivables_query


class InvoiceState(StrEnum):
    ALL = "all"
    OPEN = "open"
    OVERDUE = "overdue"
    PAID = "paid"


INVOICE_STATE_LABELS = {
    InvoiceState.ALL: "Toutes",
    InvoiceState.OPEN: "À régler",
    InvoiceState.OVERDUE: "En retard",
    InvoiceState.PAID: "Réglées",
}


@dataclass(frozen=True)
class InvoiceFilter:
    state: InvoiceState = InvoiceState.ALL
    period: date | None = None  # the month invoiced
    text: str = ""  # number or buyer
    provider_id: uuid.UUID | None = None


@dataclass(frozen=True)
class InvoiceListRow:
    invoice_id: uuid.UUID
    provider_id: uuid.UUID
    number: str
    is_credit_note: bool
    buyer_name: str
    period_start: date
    issue_date: date
    due_date: date
    gross_cents: int
    open_cents: int
    net_cents: int

    def state(self, today: date) -> str:
        if self.is_credit_note:
            return "Avoir"
        if self.open_cents <= 0:
            return "Réglée"
        late = (today - self.due_date).days
        return f"En retard ({late} j)" if late > 0 else "À échoir"


@dataclass(frozen=True)
class InvoiceTotals:
    count: int
    gross_cents: int
    open_cents: int


@dataclass(frozen=True)
class DunningRow:
    receivable: Receivable
    levels_sent: tuple[int, ...]
    last_reminder_on: date | None
    status: DunningStatus
    rejected: bool  # its direct debit came back


@dataclass(frozen=True)
class AgedRow:
    provider_id: uuid.UUID
    company_name: str
    columns: tuple[int, ...]

    @property
    def total_cents(self) -> int:
        return sum(self.columns)


@dataclass(frozen=True)
class StatementLine:
    on: date
    label: str
    debit_cents: int
    credit_cents: int
    balance_cents: int


@dataclass(frozen=True)
class MandateRow:
    id: uuid.UUID
    rum: str
    debtor_name: str
    iban: str
    kind: MandateKind
    signed_on: date
    revoked_on: date | None
    last_collected_on: date | None
    problem: str | None  # why it cannot be collected today

    @property
    def lapses_on(self) -> date:
        return lapses_on(self.signed_on, self.last_collected_on)


@dataclass(frozen=True)
class DebitRow:
    payment_id: uuid.UUID
    provider_id: uuid.UUID
    buyer_name: str
    invoice_number: str
    amount_cents: int
    collection_date: date
    message_id: str
    rejected_code: str | None


@dataclass(frozen=True)
class BatchFile:
    message_id: str
    collection_date: date
    lines: list[DebitLine]


def customer_code(provider: Provider | None, provider_id: uuid.UUID) -> str:
    """The provider's auxiliary account: its SIREN, or a code from its id."""
    if provider is not None and provider.siren:
        return f"C{provider.siren}"
    return f"C{provider_id.hex[:8].upper()}"


class CollectionQueries:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def invoices(
        self, wanted: InvoiceFilter, today: date, limit: int = 2000, before: str | None = None
    ) -> list[InvoiceListRow]:
        """Invoices and credit notes, the highest number first; `before` (the last number of
        the page shown) gives the next page, through the number's unique index."""
        conditions = self._invoice_conditions(wanted, today)
        if before is not None:
            conditions.append(Invoice.number < before)
        with self.sessions() as session:
            found = receivables(
                session,
                *conditions,
                open_only=wanted.state in (InvoiceState.OPEN, InvoiceState.OVERDUE),
                settled_only=wanted.state == InvoiceState.PAID,
                newest_first=True,
                limit=limit,
            )
            rows = [
                InvoiceListRow(
                    r.invoice_id,
                    r.provider_id,
                    r.number,
                    False,
                    r.buyer_name,
                    r.period_start,
                    r.issue_date,
                    r.due_date,
                    r.gross_cents,
                    r.open_cents,
                    r.net_cents,
                )
                for r in found
            ]
            if wanted.state == InvoiceState.ALL:
                rows += [
                    InvoiceListRow(
                        n.id,
                        n.provider_id,
                        n.number or "",
                        True,
                        n.buyer_name,
                        n.period_start,
                        n.issue_date or n.period_start,
                        n.due_date or n.period_start,
                        n.gross_cents,
                        0,
                        n.net_cents,
                    )
                    for n in session.scalars(
                        select(Invoice)
                        .where(
                            Invoice.kind == InvoiceKind.CREDIT_NOTE,
                            Invoice.status == InvoiceStatus.ISSUED,
                            *conditions,
                        )
                        .order_by(Invoice.sequence.desc())
                        .limit(limit)
                    )
                ]
        rows.sort(key=lambda r: r.number, reverse=True)
        return rows[:limit]

    def invoice_totals(self, wanted: InvoiceFilter, today: date) -> InvoiceTotals:
        """How many documents the filter finds, their total incl. VAT and what remains due:
        the list's summary, whatever page of it is shown."""
        conditions = self._invoice_conditions(wanted, today)
        found = receivables_query(
            *conditions,
            open_only=wanted.state in (InvoiceState.OPEN, InvoiceState.OVERDUE),
            settled_only=wanted.state == InvoiceState.PAID,
        ).subquery()
        with self.sessions() as session:
            count, gross, open_cents = session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(found.c.gross_cents), 0),
                    func.coalesce(
                        func.sum(found.c.gross_cents + found.c.credited_cents - found.c.paid_cents),
                        0,
                    ),
                ).select_from(found)
            ).one()
            if wanted.state == InvoiceState.ALL:
                notes, notes_gross = session.execute(
                    select(func.count(), func.coalesce(func.sum(Invoice.gross_cents), 0)).where(
                        Invoice.kind == InvoiceKind.CREDIT_NOTE,
                        Invoice.status == InvoiceStatus.ISSUED,
                        *conditions,
                    )
                ).one()
                count, gross = count + notes, gross + notes_gross
        return InvoiceTotals(int(count), int(gross), int(open_cents))

    @staticmethod
    def _invoice_conditions(wanted: InvoiceFilter, today: date) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if wanted.period is not None:
            conditions.append(Invoice.period_start == wanted.period.replace(day=1))
        if wanted.provider_id is not None:
            conditions.append(Invoice.provider_id == wanted.provider_id)
        text = wanted.text.strip()
        if text:
            like = f"%{text}%"
            conditions.append(or_(Invoice.number.ilike(like), Invoice.buyer_name.ilike(like)))
        if wanted.state == InvoiceState.OVERDUE:
            conditions.append(Invoice.due_date < today)
        return conditions

    def dunning(self, today: date, policy: DunningPolicy) -> list[DunningRow]:
        """Overdue invoices, the most late first, with their reminders and what they owe."""
        with self.sessions() as session:
            overdue = receivables(session, Invoice.due_date < today, open_only=True)
            past_due = select(Invoice.id).where(Invoice.due_date < today)
            sent: dict[uuid.UUID, list[tuple[int, date]]] = {}
            for invoice_id, level, sent_on in session.execute(
                select(
                    PaymentReminder.invoice_id, PaymentReminder.level, PaymentReminder.sent_on
                ).where(PaymentReminder.invoice_id.in_(past_due))
            ):
                sent.setdefault(invoice_id, []).append((level, sent_on))
            rejected = set(
                session.scalars(
                    select(Payment.invoice_id).where(
                        Payment.kind == PaymentKind.REJECT, Payment.invoice_id.in_(past_due)
                    )
                )
            )
        rows = []
        for item in overdue:
            reminders = sorted(sent.get(item.invoice_id, []))
            levels = {level for level, _ in reminders}
            rows.append(
                DunningRow(
                    item,
                    tuple(sorted(levels)),
                    max((on for _, on in reminders), default=None),
                    dunning_status(item.due_date, item.open_cents, levels, today, policy),
                    item.invoice_id in rejected,
                )
            )
        rows.sort(key=lambda r: (r.receivable.due_date, r.receivable.number))
        return rows

    def aged_balance(self, today: date) -> list[AgedRow]:
        """Per provider, what is open by age (AGE_BUCKETS), the largest total first."""
        with self.sessions() as session:
            open_items = receivables(session, open_only=True)
        by_provider: dict[uuid.UUID, list[Receivable]] = {}
        for item in open_items:
            by_provider.setdefault(item.provider_id, []).append(item)
        rows = [
            AgedRow(
                provider_id,
                items[0].buyer_name,
                aged_balance(((i.due_date, i.open_cents) for i in items), today),
            )
            for provider_id, items in by_provider.items()
        ]
        rows.sort(key=lambda r: (-r.total_cents, r.company_name))
        return rows

    def statement(self, provider_id: uuid.UUID) -> list[StatementLine]:
        """The provider's account: invoices and rejects owed, credit notes and payments paid."""
        entries: list[tuple[date, int, str, int]] = []  # (date, order, label, signed amount)
        with self.sessions() as session:
            for invoice in session.scalars(
                select(Invoice).where(
                    Invoice.provider_id == provider_id,
                    Invoice.status == InvoiceStatus.ISSUED,
                    Invoice.deleted.is_(False),
                )
            ):
                kind = "Avoir" if invoice.kind == InvoiceKind.CREDIT_NOTE else "Facture"
                due = f", échéance {invoice.due_date:%d/%m/%Y}" if invoice.gross_cents > 0 else ""
                assert invoice.issue_date is not None
                entries.append(
                    (invoice.issue_date, 0, f"{kind} {invoice.number}{due}", invoice.gross_cents)
                )
            numbers = dict(
                session.execute(
                    select(Invoice.id, Invoice.number).where(Invoice.provider_id == provider_id)
                ).all()
            )
            for payment in session.scalars(
                select(Payment).where(
                    Payment.provider_id == provider_id, Payment.deleted.is_(False)
                )
            ):
                label = f"{PAYMENT_KIND_LABELS[PaymentKind(payment.kind)]} — facture " + (
                    numbers.get(payment.invoice_id) or "?"
                )
                if payment.reject_code:
                    label += f" (motif {payment.reject_code})"
                entries.append((payment.received_on, 1, label, -payment.amount_cents))
        entries.sort(key=lambda e: (e[0], e[1]))
        lines = []
        balance = 0
        for on, _, label, amount in entries:
            balance += amount
            lines.append(StatementLine(on, label, max(amount, 0), max(-amount, 0), balance))
        return lines

    def mandates(self, provider_id: uuid.UUID, today: date) -> list[MandateRow]:
        with self.sessions() as session:
            return [
                MandateRow(
                    m.id,
                    m.rum,
                    m.debtor_name,
                    m.iban,
                    MandateKind(m.kind),
                    m.signed_on,
                    m.revoked_on,
                    m.last_collected_on,
                    mandate_usable(
                        MandateKind(m.kind), m.signed_on, m.revoked_on, m.last_collected_on, today
                    ),
                )
                for m in session.scalars(
                    select(SepaMandate)
                    .where(SepaMandate.provider_id == provider_id, SepaMandate.deleted.is_(False))
                    .order_by(SepaMandate.signed_on.desc())
                )
            ]

    def debits(self, since: date) -> list[DebitRow]:
        """Direct debits collected since `since`, newest first, with their reject if any."""
        with self.sessions() as session:
            rejects = dict(
                session.execute(
                    select(Payment.rejects_payment_id, Payment.reject_code).where(
                        Payment.kind == PaymentKind.REJECT
                    )
                ).all()
            )
            return [
                DebitRow(
                    payment.id,
                    payment.provider_id,
                    buyer,
                    number or "",
                    payment.amount_cents,
                    payment.received_on,
                    message_id or "",
                    rejects.get(payment.id),
                )
                for payment, buyer, number, message_id in session.execute(
                    select(Payment, Invoice.buyer_name, Invoice.number, DebitBatch.message_id)
                    .join(Invoice, Invoice.id == Payment.invoice_id)
                    .outerjoin(DebitBatch, DebitBatch.id == Payment.batch_id)
                    .where(Payment.kind == PaymentKind.DIRECT_DEBIT, Payment.received_on >= since)
                    .order_by(Payment.received_on.desc(), Invoice.number)
                )
            ]

    def batches(self) -> list[tuple[uuid.UUID, str, date, int, int]]:
        with self.sessions() as session:
            return [
                (b.id, b.message_id, b.collection_date, b.count, b.total_cents)
                for b in session.scalars(
                    select(DebitBatch).order_by(DebitBatch.collection_date.desc()).limit(200)
                )
            ]

    def batch_file(self, batch_id: uuid.UUID) -> BatchFile:
        """A debit file again, from the synced rows (the same lines as when it was made)."""
        with self.sessions() as session:
            batch = session.get(DebitBatch, batch_id)
            if batch is None:
                raise LookupError(f"no debit batch {batch_id}")
            # The mandate's first debit ever: an alias of its own, correlated to the mandate
            # only (correlating `payments` too would leave the subquery without a FROM).
            prior = aliased(Payment)
            earlier = (
                select(func.min(prior.received_on))
                .where(prior.mandate_id == SepaMandate.id, prior.kind == PaymentKind.DIRECT_DEBIT)
                .correlate(SepaMandate)
                .scalar_subquery()
            )
            lines = [
                DebitLine(
                    end_to_end_id=payment.end_to_end_id or number,
                    amount_cents=payment.amount_cents,
                    debtor_name=mandate.debtor_name,
                    iban=mandate.iban,
                    bic=mandate.bic,
                    rum=mandate.rum,
                    mandate_signed_on=mandate.signed_on,
                    sequence_type=_sequence_type(MandateKind(mandate.kind), first, batch),
                    description=f"Facture {number}",
                )
                for payment, mandate, number, first in session.execute(
                    select(Payment, SepaMandate, Invoice.number, earlier)
                    .join(SepaMandate, SepaMandate.id == Payment.mandate_id)
                    .join(Invoice, Invoice.id == Payment.invoice_id)
                    .where(Payment.batch_id == batch_id)
                    .order_by(Payment.end_to_end_id)
                )
            ]
            return BatchFile(batch.message_id, batch.collection_date, lines)

    def reminder_letter(self, reminder_id: uuid.UUID, policy: DunningPolicy) -> ReminderLetter:
        """The letter of a recorded reminder, with the amounts it claimed when it was sent."""
        with self.sessions() as session:
            reminder = session.get(PaymentReminder, reminder_id)
            if reminder is None:
                raise LookupError(f"no reminder {reminder_id}")
            invoice = session.get(Invoice, reminder.invoice_id)
            assert invoice is not None and invoice.number and invoice.issue_date
            assert invoice.due_date is not None
            return ReminderLetter(
                level=reminder.level,
                sent_on=reminder.sent_on,
                invoice_number=invoice.number,
                issue_date=invoice.issue_date,
                due_date=invoice.due_date,
                buyer_name=invoice.buyer_name,
                buyer_address=invoice.buyer_address,
                gross_cents=invoice.gross_cents,
                open_cents=reminder.open_cents,
                penalty_cents=reminder.penalty_cents,
                indemnity_cents=reminder.indemnity_cents,
                penalty_percent=policy.late_penalty_percent,
                suspend_after_days=policy.suspend_after_days,
            )

    def journal(self, month: date) -> list[EntryLine]:
        """The month's entries: invoices and credit notes issued, payments and rejects."""
        first = month.replace(day=1)
        following = first_of_next_month(first)
        lines: list[EntryLine] = []
        with self.sessions() as session:
            providers = {
                p.id: p
                for p in session.scalars(
                    select(Provider).where(Provider.id.in_(select(Invoice.provider_id).distinct()))
                )
            }
            for invoice in session.scalars(
                select(Invoice)
                .where(
                    Invoice.status == InvoiceStatus.ISSUED,
                    Invoice.issue_date >= first,
                    Invoice.issue_date < following,
                )
                .order_by(Invoice.sequence)
            ):
                assert invoice.number is not None and invoice.issue_date is not None
                lines += invoice_entry(
                    InvoiceForJournal(
                        invoice.number,
                        invoice.issue_date,
                        customer_code(providers.get(invoice.provider_id), invoice.provider_id),
                        invoice.buyer_name,
                        invoice.kind == InvoiceKind.CREDIT_NOTE,
                        invoice.net_cents,
                        invoice.vat_cents,
                        invoice.gross_cents,
                    )
                )
            for payment, number, buyer in session.execute(
                select(Payment, Invoice.number, Invoice.buyer_name)
                .join(Invoice, Invoice.id == Payment.invoice_id)
                .where(Payment.received_on >= first, Payment.received_on < following)
                .order_by(Payment.received_on)
            ):
                lines += payment_entry(
                    PaymentForJournal(
                        payment.received_on,
                        customer_code(providers.get(payment.provider_id), payment.provider_id),
                        buyer,
                        number or "",
                        PAYMENT_KIND_LABELS[PaymentKind(payment.kind)],
                        payment.amount_cents,
                    )
                )
        return lines


def _sequence_type(kind: MandateKind, first_debit: date | None, batch: DebitBatch) -> str:
    if kind == MandateKind.ONE_OFF:
        return "OOFF"
    return "FRST" if first_debit is None or first_debit >= batch.collection_date else "RCUR"
