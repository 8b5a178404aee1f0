"""The accounting export: journal entries an accountant imports (sales and bank journals).

One balanced entry per document: an invoice debits the customer account with its total and
credits revenue (per VAT rate) and VAT collected; a credit note the reverse; a payment debits
the bank and credits the customer; a rejected debit the reverse. The CSV is the French
"écritures" layout (semicolon, decimal comma, dd/mm/yyyy), which every accounting package
reads.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

SALES_JOURNAL = "VE"
BANK_JOURNAL = "BQ"
CUSTOMER_ACCOUNT = "411000"
REVENUE_ACCOUNT = "706000"  # prestations de services
VAT_ACCOUNT = "445710"  # TVA collectée
BANK_ACCOUNT = "512000"

HEADER = ("Date", "Journal", "Compte", "Compte auxiliaire", "Pièce", "Libellé", "Débit", "Crédit")


@dataclass(frozen=True)
class EntryLine:
    on: date
    journal: str
    account: str
    auxiliary: str
    piece: str
    label: str
    debit_cents: int
    credit_cents: int


@dataclass(frozen=True)
class InvoiceForJournal:
    number: str
    issue_date: date
    customer: str  # the auxiliary account (the provider's code)
    buyer_name: str
    is_credit_note: bool
    net_cents: int  # negative for a credit note
    vat_cents: int
    gross_cents: int


@dataclass(frozen=True)
class PaymentForJournal:
    on: date
    customer: str
    buyer_name: str
    invoice_number: str
    label: str  # "Virement", "Prélèvement SEPA", "Rejet de prélèvement"...
    amount_cents: int  # negative for a reject


def _split(amount: int) -> tuple[int, int]:
    """A signed amount as (debit, credit), both positive."""
    return (amount, 0) if amount >= 0 else (0, -amount)


def invoice_entry(invoice: InvoiceForJournal) -> list[EntryLine]:
    kind = "Avoir" if invoice.is_credit_note else "Facture"
    label = f"{kind} {invoice.number} {invoice.buyer_name}"[:80]

    def line(account: str, auxiliary: str, amount: int) -> EntryLine:
        debit, credit = _split(amount)
        return EntryLine(
            invoice.issue_date,
            SALES_JOURNAL,
            account,
            auxiliary,
            invoice.number,
            label,
            debit,
            credit,
        )

    lines = [
        line(CUSTOMER_ACCOUNT, invoice.customer, invoice.gross_cents),
        line(REVENUE_ACCOUNT, "", -invoice.net_cents),
    ]
    if invoice.vat_cents:
        lines.append(line(VAT_ACCOUNT, "", -invoice.vat_cents))
    return lines


def payment_entry(payment: PaymentForJournal) -> list[EntryLine]:
    label = f"{payment.label} {payment.invoice_number} {payment.buyer_name}"[:80]
    bank_debit, bank_credit = _split(payment.amount_cents)
    return [
        EntryLine(
            payment.on,
            BANK_JOURNAL,
            BANK_ACCOUNT,
            "",
            payment.invoice_number,
            label,
            bank_debit,
            bank_credit,
        ),
        EntryLine(
            payment.on,
            BANK_JOURNAL,
            CUSTOMER_ACCOUNT,
            payment.customer,
            payment.invoice_number,
            label,
            bank_credit,
            bank_debit,
        ),
    ]


def _amount(cents: int) -> str:
    if not cents:
        return ""
    return f"{cents // 100},{cents % 100:02d}"


def journal_rows(lines: list[EntryLine]) -> list[tuple[str, ...]]:
    """The entries as the export writes them, in date, journal and piece order."""
    return [
        (
            f"{line.on:%d/%m/%Y}",
            line.journal,
            line.account,
            line.auxiliary,
            line.piece,
            line.label,
            _amount(line.debit_cents),
            _amount(line.credit_cents),
        )
        for line in sorted(lines, key=lambda x: (x.on, x.journal, x.piece))
    ]


def journal_csv(lines: list[EntryLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(journal_rows(lines))
    return out.getvalue()
