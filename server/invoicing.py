"""The monthly invoice run: a draft per provider (preview), then issuing with gapless numbers.

Each provider's invoice is one transaction. Issuing locks the provider's row for the month
(the draft, when a preview made one), takes the next number from the 'invoice_number' counter
with a row lock held until commit, and marks the credits it uses. So:

- numbers follow commit order without gaps: a transaction that fails gives its number back;
- a month is invoiced once per provider: a second run finds the issued invoice and leaves it,
  and two runs racing on a provider with no draft collide on the unique `monthly_key`, the
  loser rolling back (number included) and reporting the winner's invoice;
- a credit is taken off one invoice only (locked, then checked still open).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.billing.invoice_maths import LineKind, credit_note_vat, totals
from app.billing.invoices import InvoiceKind, InvoiceStatus, invoice_number, monthly_key
from app.billing.monthly_bill import (
    CreditUse,
    MonthlyBill,
    OpenCredit,
    Package,
    SoldLead,
    monthly_bill,
)
from app.billing.sepa import MandateKind, mandate_usable
from app.billing.vat import VatRate, vat_rate_for
from app.clock import first_of_next_month, month_bounds, paris_today
from app.domain.contracts import ContractStatus
from app.domain.money import format_euros
from app.persistence.models import (
    Category,
    Contract,
    ContractVersion,
    Invoice,
    InvoiceLine,
    LeadSale,
    Provider,
    ProviderCredit,
    SepaMandate,
)
from app.services.contracts.contract_terms import SELLING_STATUSES
from server.changes import ChangedRows, server_edit, server_stamp
from server.sequence import take_numbers

DEFAULT_PAYMENT_DAYS = 30


@dataclass(frozen=True)
class RunRow:
    provider_id: uuid.UUID
    company_name: str
    invoice_id: uuid.UUID | None
    number: str | None
    net_cents: int
    vat_cents: int
    gross_cents: int
    anomalies: tuple[str, ...]


def _last_day(month: date) -> date:
    return first_of_next_month(month) - timedelta(days=1)


def providers_to_invoice(session: Session, month: date) -> list[uuid.UUID]:
    """Providers with leads sold in the month, or a package in force during it."""
    start, end = month_bounds(month)
    last_day = _last_day(month)
    with_sales = select(LeadSale.provider_id).where(
        LeadSale.sold_at >= start, LeadSale.sold_at < end
    )
    with_package = (
        select(Contract.provider_id)
        .join(ContractVersion, ContractVersion.contract_id == Contract.id)
        .where(
            ContractVersion.package_fee_cents.is_not(None),
            ContractVersion.status.in_(SELLING_STATUSES),
            ContractVersion.deleted.is_(False),
            ContractVersion.starts_on <= last_day,
            or_(ContractVersion.ends_on.is_(None), ContractVersion.ends_on >= month.replace(day=1)),
        )
    )
    return sorted(set(session.scalars(with_sales)) | set(session.scalars(with_package)))


def _version_for_month(
    session: Session, provider_id: uuid.UUID, month: date
) -> ContractVersion | None:
    """The version in force at the end of the month (or the last one that was)."""
    last_day = _last_day(month)
    return session.scalars(
        select(ContractVersion)
        .join(Contract, Contract.id == ContractVersion.contract_id)
        .where(
            Contract.provider_id == provider_id,
            ContractVersion.deleted.is_(False),
            ContractVersion.status.in_([*SELLING_STATUSES, ContractStatus.SUSPENDED]),
            ContractVersion.starts_on <= last_day,
        )
        .order_by(ContractVersion.starts_on.desc(), ContractVersion.number.desc())
    ).first()


def _has_usable_mandate(session: Session, provider_id: uuid.UUID, on: date) -> bool:
    return any(
        mandate_usable(MandateKind(m.kind), m.signed_on, m.revoked_on, m.last_collected_on, on)
        is None
        for m in session.scalars(
            select(SepaMandate).where(
                SepaMandate.provider_id == provider_id, SepaMandate.deleted.is_(False)
            )
        )
    )


@dataclass(frozen=True)
class _Bill:
    provider: Provider
    bill: MonthlyBill
    vat: VatRate
    payment_days: int
    anomalies: tuple[str, ...]


def _compute(session: Session, provider_id: uuid.UUID, month: date) -> _Bill:
    provider = session.get(Provider, provider_id)
    assert provider is not None
    start, end = month_bounds(month)
    names = dict(session.execute(select(Category.id, Category.name)).all())
    sales = [
        SoldLead(names.get(category_id, "?"), price, within)
        for category_id, price, within in session.execute(
            select(LeadSale.category_id, LeadSale.price_cents, LeadSale.within_package).where(
                LeadSale.provider_id == provider_id,
                LeadSale.sold_at >= start,
                LeadSale.sold_at < end,
            )
        )
    ]
    version = _version_for_month(session, provider_id, month)
    package = (
        Package(version.package_fee_cents, version.package_leads or 0)
        if version is not None and version.package_fee_cents
        else None
    )
    credits = [
        OpenCredit(c.id, c.label, c.amount_cents)
        for c in session.scalars(
            select(ProviderCredit)
            .where(
                ProviderCredit.provider_id == provider_id,
                ProviderCredit.invoice_id.is_(None),
                ProviderCredit.deleted.is_(False),
                ProviderCredit.granted_at < end,
            )
            .order_by(ProviderCredit.granted_at, ProviderCredit.id)  # oldest first
        )
    ]
    vat = vat_rate_for(provider.departement_code)
    anomalies = []
    if version is None:
        anomalies.append("Ventes sans contrat en vigueur")
    if not provider.siren:
        anomalies.append("SIREN manquant")
    if not provider.vat_number and vat.percent > 0:
        anomalies.append("N° de TVA intracommunautaire manquant")
    if not _has_usable_mandate(session, provider_id, _last_day(month)):
        anomalies.append("Mandat SEPA manquant")
    return _Bill(
        provider,
        monthly_bill(month, sales, package, credits, vat),
        vat,
        version.payment_days if version is not None else DEFAULT_PAYMENT_DAYS,
        tuple(anomalies),
    )


def _write(
    session: Session, invoice: Invoice | None, bill: _Bill, month: date, now: datetime
) -> Invoice:
    """Create or recompute the provider's draft for the month."""
    figures = totals(bill.bill.lines)
    provider = bill.provider
    address = ", ".join(
        part for part in (provider.address_line, f"{provider.postcode} {provider.city}") if part
    )
    values = {
        "buyer_name": provider.company_name,
        "buyer_address": address,
        "buyer_siren": provider.siren,
        "buyer_vat_number": provider.vat_number,
        "vat_territory": bill.vat.territory,
        "net_cents": figures.net_cents,
        "vat_cents": figures.vat_cents,
        "gross_cents": figures.gross_cents,
    }
    if invoice is None:
        invoice = Invoice(
            provider_id=provider.id,
            kind=InvoiceKind.INVOICE,
            status=InvoiceStatus.DRAFT,
            monthly_key=monthly_key(provider.id, month),
            period_start=month.replace(day=1),
            **values,
        )
        session.add(invoice)
        session.flush()
    else:
        for old in session.scalars(
            select(InvoiceLine).where(
                InvoiceLine.invoice_id == invoice.id, InvoiceLine.deleted.is_(False)
            )
        ):
            server_edit(old, {"deleted": True}, now, None)
        server_edit(invoice, values, now, None)
    for position, line in enumerate(bill.bill.lines, start=1):
        session.add(
            InvoiceLine(
                invoice_id=invoice.id,
                position=position,
                kind=line.kind,
                label=line.label,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
                amount_cents=line.amount_cents,
                vat_percent=str(line.vat.percent),
            )
        )
    return invoice


def _locked_monthly(session: Session, provider_id: uuid.UUID, month: date) -> Invoice | None:
    return session.scalars(
        select(Invoice)
        .where(Invoice.monthly_key == monthly_key(provider_id, month))
        .with_for_update()
    ).one_or_none()


def _row(bill: _Bill, invoice: Invoice | None) -> RunRow:
    figures = totals(bill.bill.lines)
    return RunRow(
        bill.provider.id,
        bill.provider.company_name,
        invoice.id if invoice else None,
        invoice.number if invoice else None,
        figures.net_cents,
        figures.vat_cents,
        figures.gross_cents,
        bill.anomalies,
    )


def preview_invoice(session: Session, provider_id: uuid.UUID, month: date, now: datetime) -> RunRow:
    """The provider's draft for the month, recomputed; an issued invoice is left as it is."""
    changed = ChangedRows(session, server_stamp(now))
    existing = _locked_monthly(session, provider_id, month)
    bill = _compute(session, provider_id, month)
    if existing is not None and existing.status == InvoiceStatus.ISSUED:
        return _issued_row(existing, bill)
    invoice = _write(session, existing, bill, month, now) if bill.bill.lines else existing
    changed.stamp(session)
    return _row(bill, invoice)


def issue_invoice(session: Session, provider_id: uuid.UUID, month: date, now: datetime) -> RunRow:
    """Number and freeze the provider's invoice for the month; idempotent."""
    changed = ChangedRows(session, server_stamp(now))
    existing = _locked_monthly(session, provider_id, month)
    bill = _compute(session, provider_id, month)
    if existing is not None and existing.status == InvoiceStatus.ISSUED:
        return _issued_row(existing, bill)
    if not bill.bill.lines:
        return _row(bill, existing)
    planned = {use.credit_id: use for use in bill.bill.credits_used}
    credits = list(
        session.scalars(
            select(ProviderCredit)
            .where(ProviderCredit.id.in_(planned))
            .order_by(ProviderCredit.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    if any(
        c.invoice_id is not None or c.amount_cents < planned[c.id].amount_cents for c in credits
    ):
        bill = _compute(session, provider_id, month)  # another invoice took one meanwhile
    invoice = _write(session, existing, bill, month, now)
    today = paris_today(now)
    sequence = take_numbers(session, "invoice_number", 1)
    server_edit(
        invoice,
        {
            "status": InvoiceStatus.ISSUED,
            "sequence": sequence,
            "number": invoice_number(sequence, today),
            "issue_date": today,
            "due_date": today + timedelta(days=bill.payment_days),
            "issued_at": now,
        },
        now,
        None,
    )
    _take_credits(session, bill.bill.credits_used, invoice, now)
    changed.stamp(session, invoice)
    return _row(bill, invoice)


def _take_credits(
    session: Session, uses: tuple[CreditUse, ...], invoice: Invoice, now: datetime
) -> None:
    """Mark the credits `invoice` used. One used in part is split: the part used becomes a
    credit of its own, on the invoice; the credit keeps its rest (and its dispute, which may
    still withdraw it) for the next invoice."""
    amounts = {use.credit_id: use.amount_cents for use in uses}
    for credit in session.scalars(
        select(ProviderCredit).where(ProviderCredit.id.in_(amounts)).order_by(ProviderCredit.id)
    ):
        used = amounts[credit.id]
        if used >= credit.amount_cents:
            server_edit(credit, {"invoice_id": invoice.id}, now, None)
            continue
        session.add(
            ProviderCredit(
                provider_id=credit.provider_id,
                amount_cents=used,
                label=f"{credit.label} (part)"[:200],
                granted_at=credit.granted_at,
                invoice_id=invoice.id,
            )
        )
        server_edit(credit, {"amount_cents": credit.amount_cents - used}, now, None)


def _issued_row(invoice: Invoice, bill: _Bill) -> RunRow:
    return RunRow(
        invoice.provider_id,
        invoice.buyer_name,
        invoice.id,
        invoice.number,
        invoice.net_cents,
        invoice.vat_cents,
        invoice.gross_cents,
        bill.anomalies,
    )


def issued_numbers(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(Invoice.sequence)
            .where(and_(Invoice.status == InvoiceStatus.ISSUED, Invoice.sequence.is_not(None)))
            .order_by(Invoice.sequence)
        )
    )


class CreditNoteRefused(Exception):
    pass


def issue_credit_note(
    session: Session,
    invoice_id: uuid.UUID,
    reason: str,
    now: datetime,
    net_cents: int | None = None,
) -> Invoice:
    """A credit note on an issued invoice: all of it (`net_cents` None), or part of it.

    The invoice itself is never edited (docs/domain-rules.md): the credit note cites it and takes
    the next number of the same gapless sequence. Cancelling all of it gives its lines back
    negated, frees the dispute credits it used and lets the month be invoiced again. A partial
    credit note is one line of `net_cents` excl. VAT at the invoice's rate; the notes on an
    invoice never credit more than it was, VAT included (`credit_note_vat`).
    """
    if net_cents is not None:
        return _partial_credit_note(session, invoice_id, reason, now, net_cents)
    changed = ChangedRows(session, server_stamp(now))
    invoice = session.scalars(
        select(Invoice).where(Invoice.id == invoice_id).with_for_update()
    ).one_or_none()
    if invoice is None or invoice.status != InvoiceStatus.ISSUED:
        raise CreditNoteRefused("Seule une facture émise peut être annulée par un avoir.")
    if invoice.kind != InvoiceKind.INVOICE:
        raise CreditNoteRefused("Un avoir ne s'annule pas par un autre avoir.")
    if session.scalar(select(Invoice.id).where(Invoice.corrects_invoice_id == invoice.id)):
        raise CreditNoteRefused(
            "Cette facture a déjà un avoir : un autre avoir ne peut être que partiel."
        )
    note = _numbered_credit_note(
        session, invoice, now, invoice.net_cents, invoice.vat_cents, invoice.gross_cents
    )
    lines = session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.deleted.is_(False))
        .order_by(InvoiceLine.position)
    )
    for line in lines:
        session.add(
            InvoiceLine(
                invoice_id=note.id,
                position=line.position,
                kind=line.kind,
                label=f"{line.label} (annulation ; motif : {reason})"[:250],
                quantity=-line.quantity,
                unit_price_cents=line.unit_price_cents,
                amount_cents=-line.amount_cents,
                vat_percent=line.vat_percent,
            )
        )
    for credit in session.scalars(
        select(ProviderCredit).where(ProviderCredit.invoice_id == invoice.id).with_for_update()
    ):
        server_edit(credit, {"invoice_id": None}, now, None)
    # The month may be invoiced again: the monthly key moves off the cancelled invoice.
    server_edit(invoice, {"monthly_key": None}, now, None)
    changed.stamp(session, invoice)
    return note


def _partial_credit_note(
    session: Session, invoice_id: uuid.UUID, reason: str, now: datetime, net_cents: int
) -> Invoice:
    changed = ChangedRows(session, server_stamp(now))
    invoice = session.scalars(
        select(Invoice).where(Invoice.id == invoice_id).with_for_update()
    ).one_or_none()
    if invoice is None or invoice.status != InvoiceStatus.ISSUED:
        raise CreditNoteRefused("Seule une facture émise peut recevoir un avoir.")
    if invoice.kind != InvoiceKind.INVOICE:
        raise CreditNoteRefused("Un avoir ne reçoit pas d'avoir.")
    if net_cents <= 0:
        raise CreditNoteRefused("Le montant de l'avoir doit être positif.")
    rates = set(
        session.scalars(
            select(InvoiceLine.vat_percent).where(
                InvoiceLine.invoice_id == invoice.id, InvoiceLine.deleted.is_(False)
            )
        )
    )
    if len(rates) > 1:
        raise CreditNoteRefused("Facture à plusieurs taux de TVA : annulez-la en totalité.")
    percent = Decimal(rates.pop()) if rates else Decimal(0)
    notes_net, notes_vat = session.execute(
        select(
            func.coalesce(func.sum(Invoice.net_cents), 0),
            func.coalesce(func.sum(Invoice.vat_cents), 0),
        ).where(Invoice.corrects_invoice_id == invoice.id)
    ).one()
    already, already_vat = -int(notes_net), -int(notes_vat)  # notes are stored negated
    if already + net_cents > invoice.net_cents:
        left = format_euros(invoice.net_cents - already, with_cents=True)
        raise CreditNoteRefused(f"L'avoir dépasse ce qui reste à créditer ({left} HT).")
    vat = credit_note_vat(
        invoice.net_cents, invoice.vat_cents, already, already_vat, net_cents, percent
    )
    note = _numbered_credit_note(session, invoice, now, net_cents, vat, net_cents + vat)
    session.add(
        InvoiceLine(
            invoice_id=note.id,
            position=1,
            kind=LineKind.CREDIT,
            label=f"Avoir partiel sur la facture {invoice.number} ; motif : {reason}"[:250],
            quantity=-1,
            unit_price_cents=net_cents,
            amount_cents=-net_cents,
            vat_percent=str(percent),
        )
    )
    changed.stamp(session)
    return note


def _numbered_credit_note(
    session: Session, invoice: Invoice, now: datetime, net: int, vat: int, gross: int
) -> Invoice:
    """A credit note on `invoice` for these amounts (positive: they are stored negated), with
    the next number of the invoices' sequence and the buyer as invoiced."""
    today = paris_today(now)
    sequence = take_numbers(session, "invoice_number", 1)
    note = Invoice(
        provider_id=invoice.provider_id,
        kind=InvoiceKind.CREDIT_NOTE,
        status=InvoiceStatus.ISSUED,
        period_start=invoice.period_start,
        number=invoice_number(sequence, today),
        sequence=sequence,
        issue_date=today,
        due_date=today,
        issued_at=now,
        corrects_invoice_id=invoice.id,
        buyer_name=invoice.buyer_name,
        buyer_address=invoice.buyer_address,
        buyer_siren=invoice.buyer_siren,
        buyer_vat_number=invoice.buyer_vat_number,
        vat_territory=invoice.vat_territory,
        net_cents=-net,
        vat_cents=-vat,
        gross_cents=-gross,
    )
    session.add(note)
    session.flush()
    return note
