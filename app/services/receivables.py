"""Issued invoices with what remains due on them: one query for the server (debit runs,
suspensions) and the workstation (invoice list, dunning, statements)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from app.billing.invoices import InvoiceKind, InvoiceStatus
from app.persistence.models import Invoice, Payment


@dataclass(frozen=True)
class Receivable:
    invoice_id: uuid.UUID
    provider_id: uuid.UUID
    number: str
    buyer_name: str
    period_start: date
    issue_date: date
    due_date: date
    gross_cents: int
    credited_cents: int  # credit notes correcting it (negative or 0)
    paid_cents: int  # payments less rejects

    @property
    def open_cents(self) -> int:
        return self.gross_cents + self.credited_cents - self.paid_cents


def receivables(
    session: Session, *conditions: ColumnElement[bool], open_only: bool = False
) -> list[Receivable]:
    """Issued invoices (not credit notes) matching `conditions`, oldest due first."""
    note = aliased(Invoice)
    credited = (
        select(note.corrects_invoice_id.label("invoice_id"), func.sum(note.gross_cents).label("c"))
        .where(note.kind == InvoiceKind.CREDIT_NOTE, note.status == InvoiceStatus.ISSUED)
        .group_by(note.corrects_invoice_id)
        .subquery()
    )
    paid = (
        select(Payment.invoice_id, func.sum(Payment.amount_cents).label("p"))
        .where(Payment.deleted.is_(False))
        .group_by(Payment.invoice_id)
        .subquery()
    )
    credited_cents = func.coalesce(credited.c.c, 0)
    paid_cents = func.coalesce(paid.c.p, 0)
    query = (
        select(
            Invoice.id,
            Invoice.provider_id,
            Invoice.number,
            Invoice.buyer_name,
            Invoice.period_start,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.gross_cents,
            credited_cents,
            paid_cents,
        )
        .outerjoin(credited, credited.c.invoice_id == Invoice.id)
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .where(
            Invoice.kind == InvoiceKind.INVOICE,
            Invoice.status == InvoiceStatus.ISSUED,
            Invoice.deleted.is_(False),
            *conditions,
        )
        .order_by(Invoice.due_date, Invoice.sequence)
    )
    if open_only:
        query = query.where(Invoice.gross_cents + credited_cents - paid_cents > 0)
    return [
        Receivable(*row[:8], int(row[8]), int(row[9]))  # type: ignore[arg-type]
        for row in session.execute(query)
    ]
