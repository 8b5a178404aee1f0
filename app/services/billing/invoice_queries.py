"""Issued invoices as documents (PDF), from the rows the server synced."""

from __future__ import annotations

import tempfile
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.billing.facturx_xml import facturx_pdf
from app.billing.invoice_document import DirectDebit, DocumentLine, InvoiceDocument, VatLine
from app.billing.invoice_maths import vat_amount
from app.billing.invoices import InvoiceKind
from app.billing.sepa import MandateKind, earliest_collection, mandate_usable
from app.billing.vat import vat_mention
from app.clock import first_of_next_month
from app.domain.letterhead import Letterhead
from app.persistence.models import Invoice, InvoiceLine, SepaMandate
from app.reports.invoice_pdf import write_invoice_pdf


def invoice_document(
    sessions: sessionmaker[Session], invoice_id: uuid.UUID, prenotice_days: int = 14
) -> InvoiceDocument:
    with sessions() as session:
        invoice = session.get(Invoice, invoice_id)
        if invoice is None or invoice.number is None:
            raise LookupError(f"no issued invoice {invoice_id}")
        assert invoice.issue_date is not None and invoice.due_date is not None
        lines = tuple(
            DocumentLine(
                line.label,
                line.quantity,
                line.unit_price_cents,
                Decimal(line.vat_percent),
                line.amount_cents,
            )
            for line in session.scalars(
                select(InvoiceLine)
                .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.deleted.is_(False))
                .order_by(InvoiceLine.position)
            )
        )
        bases: dict[Decimal, int] = {}
        for line in lines:
            bases[line.vat_percent] = bases.get(line.vat_percent, 0) + line.amount_cents
        corrected = (
            session.get(Invoice, invoice.corrects_invoice_id)
            if invoice.corrects_invoice_id
            else None
        )
        following = first_of_next_month(invoice.period_start)
        debit = None
        if invoice.kind == InvoiceKind.INVOICE and invoice.gross_cents > 0:
            debit = _direct_debit(session, invoice, prenotice_days)
        return InvoiceDocument(
            id=invoice.id,
            kind=InvoiceKind(invoice.kind),
            number=invoice.number,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            period_start=invoice.period_start,
            period_end=following - timedelta(days=1),
            corrects_number=corrected.number if corrected else None,
            buyer_name=invoice.buyer_name,
            buyer_address=invoice.buyer_address,
            buyer_siren=invoice.buyer_siren,
            buyer_vat_number=invoice.buyer_vat_number,
            vat_mention=vat_mention(invoice.vat_territory),
            lines=lines,
            by_rate=_by_rate(bases, invoice.vat_cents),
            net_cents=invoice.net_cents,
            vat_cents=invoice.vat_cents,
            gross_cents=invoice.gross_cents,
            debit=debit,
        )


def _by_rate(bases: dict[Decimal, int], vat_cents: int) -> tuple[VatLine, ...]:
    """VAT per rate as the document was issued with. A one-rate document's VAT is the one
    stored (a partial credit note's is rounded on the running total of the notes,
    `credit_note_vat`, and may differ by a cent from its own base's); with several rates, each
    is rounded on its base, as `totals` did when the invoice was issued."""
    if len(bases) == 1:
        [(percent, base)] = bases.items()
        return (VatLine(percent, base, vat_cents),)
    return tuple(
        VatLine(percent, base, vat_amount(base, percent))
        for percent, base in sorted(bases.items(), reverse=True)
    )


def _direct_debit(session: Session, invoice: Invoice, prenotice_days: int) -> DirectDebit | None:
    """The mandate that will collect the invoice, and from when."""
    assert invoice.issue_date is not None and invoice.due_date is not None
    on = earliest_collection(invoice.issue_date, invoice.due_date, prenotice_days)
    for mandate in session.scalars(
        select(SepaMandate)
        .where(SepaMandate.provider_id == invoice.provider_id, SepaMandate.deleted.is_(False))
        .order_by(SepaMandate.signed_on.desc())
    ):
        kind = MandateKind(mandate.kind)
        if mandate_usable(kind, mandate.signed_on, mandate.revoked_on, None, on) is None:
            return DirectDebit(on, mandate.rum, mandate.iban)
    return None


def facturx_invoice(
    sessions: sessionmaker[Session], invoice_id: uuid.UUID, letterhead: Letterhead
) -> bytes:
    """The invoice as a Factur-X PDF: readable by people, and by the provider's software."""
    document = invoice_document(sessions, invoice_id)
    with tempfile.TemporaryDirectory() as folder:
        plain = write_invoice_pdf(document, letterhead, Path(folder) / "invoice.pdf").read_bytes()
    return facturx_pdf(plain, document, letterhead)
