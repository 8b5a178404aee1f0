"""Issued invoices with what remains due on them: one query for the server (debit runs,
suspensions) and the workstation (invoice list, dunning, statements)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
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
    net_cents: int
    credited_cents: int  # credit notes correcting it (negative or 0)
    paid_cents: int  # payments less rejects

    @property
    def open_cents(self) -> int:
        return self.gross_cents + self.credited_cents - self.paid_cents


def receivables_query(
    *conditions: ColumnElement[bool],
    open_only: bool = False,
    settled_only: bool = False,
) -> Select[Any]:
    """The query of `receivables`, unordered: its columns are those of `Receivable` (the
    last two labelled `credited_cents` and `paid_cents`), to page it or to total it."""
    note = aliased(Invoice)
    credited_cents = func.coalesce(
        select(func.sum(note.gross_cents))
        .where(
            note.corrects_invoice_id == Invoice.id,
            note.kind == InvoiceKind.CREDIT_NOTE,
            note.status == InvoiceStatus.ISSUED,
        )
        .correlate(Invoice)
        .scalar_subquery(),
        0,
    ).label("credited_cents")
    paid_cents = func.coalesce(
        select(func.sum(Payment.amount_cents))
        .where(Payment.invoice_id == Invoice.id, Payment.deleted.is_(False))
        .correlate(Invoice)
        .scalar_subquery(),
        0,
    ).label("paid_cents")
    query = select(
        Invoice.id,
        Invoice.provider_id,
        Invoice.number,
        Invoice.buyer_name,
        Invoice.period_start,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.gross_cents,
        Invoice.net_cents,
        credited_cents,
        paid_cents,
    ).where(
        Invoice.kind == InvoiceKind.INVOICE,
        Invoice.status == InvoiceStatus.ISSUED,
        Invoice.deleted.is_(False),
        *conditions,
    )
    open_cents = Invoice.gross_cents + credited_cents.element - paid_cents.element
    if open_only:
        query = query.where(open_cents > 0)
    if settled_only:
        query = query.where(open_cents <= 0)
    return query


def receivables(
    session: Session,
    *conditions: ColumnElement[bool],
    open_only: bool = False,
    settled_only: bool = False,
    newest_first: bool = False,
    limit: int | None = None,
) -> list[Receivable]:
    """Issued invoices (not credit notes) matching `conditions`, oldest due first (or the most
    recently issued first). The sums are correlated subqueries on indexed columns, so a short
    list costs a few index lookups per row, whatever the size of the books."""
    query = receivables_query(*conditions, open_only=open_only, settled_only=settled_only)
    if newest_first:
        query = query.order_by(Invoice.number.desc())  # its unique index: no sort
    else:
        query = query.order_by(Invoice.due_date, Invoice.sequence)
    if limit is not None:
        query = query.limit(limit)
    return [
        Receivable(*row[:9], int(row[9]), int(row[10]))  # type: ignore[arg-type]
        for row in session.execute(query)
    ]
