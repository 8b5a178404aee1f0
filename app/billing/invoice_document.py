"""An issued invoice or credit note as a document: what its PDF and its Factur-X XML print.

In billing, below app.reports: the Factur-X XML (app.billing.facturx_xml) and the PDF
(app.reports.invoice_pdf) both read it, and reports builds on billing, never the reverse.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.billing.invoices import InvoiceKind
from app.billing.vat import VatCategory, vat_category


@dataclass(frozen=True)
class DocumentLine:
    label: str
    quantity: int
    unit_price_cents: int
    vat_percent: Decimal
    amount_cents: int


@dataclass(frozen=True)
class VatLine:
    percent: Decimal
    base_cents: int
    vat_cents: int


@dataclass(frozen=True)
class DirectDebit:
    """How a mandate will collect the invoice: the invoice is the debit's pre-notification."""

    on: date
    rum: str
    iban: str

    @property
    def notice(self) -> str:
        return (
            f"Cette facture sera prélevée à partir du {self.on:%d/%m/%Y} sur le compte "
            f"IBAN se terminant par {self.iban[-4:]} (mandat SEPA {self.rum})."
        )


@dataclass(frozen=True)
class InvoiceDocument:
    id: uuid.UUID
    kind: InvoiceKind
    number: str
    issue_date: date
    due_date: date
    period_start: date
    period_end: date
    corrects_number: str | None
    buyer_name: str
    buyer_address: str
    buyer_siren: str | None
    buyer_vat_number: str | None
    vat_mention: str
    lines: tuple[DocumentLine, ...]
    by_rate: tuple[VatLine, ...]
    net_cents: int
    vat_cents: int
    gross_cents: int
    # The direct debit that will collect it, when a mandate will.
    debit: DirectDebit | None = None

    @property
    def outside_vat_scope(self) -> bool:
        """Guyane and Mayotte (category O): no VAT, and no VAT identifier on the document,
        neither ours nor the buyer's (EN 16931 rule BR-O-02)."""
        return any(
            vat_category(p) == VatCategory.OUTSIDE_SCOPE
            for p in (
                *(line.vat_percent for line in self.lines),
                *(r.percent for r in self.by_rate),
            )
        )
