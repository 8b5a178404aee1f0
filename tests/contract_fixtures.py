"""Providers and contract terms for the contract and dispatch tests."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.billing.invoices import InvoiceKind, InvoiceStatus
from app.domain.contracts import ContractTerms, PriceLine
from app.domain.geography import point_for_postcode
from app.domain.postcodes import departement_code_for_postcode
from app.domain.providers import ProviderSource, ProviderStage
from app.domain.zones import ZoneInput
from app.persistence.models import Category, Invoice, InvoiceLine, Provider


def category_id(session: Session, code: str = "bathroom") -> uuid.UUID:
    found = session.scalar(select(Category.id).where(Category.code == code))
    assert found is not None
    return found


def add_provider(session: Session, name: str, postcode: str, now: datetime) -> uuid.UUID:
    point = point_for_postcode(postcode)
    provider = Provider(
        company_name=name,
        search_name=name.lower(),
        postcode=postcode,
        city="Ville",
        departement_code=departement_code_for_postcode(postcode),
        latitude=point.latitude if point else None,
        longitude=point.longitude if point else None,
        source=ProviderSource.MANUAL,
        stage=ProviderStage.PROPOSAL_SENT,
        stage_changed_at=now,
    )
    session.add(provider)
    session.flush()
    return provider.id


def terms(category: uuid.UUID, price_cents: int = 2500, **changes: Any) -> ContractTerms:
    base = ContractTerms(
        starts_on=date(2026, 11, 1),
        sharing_level=3,
        prices=(PriceLine(category, price_cents),),
        zones=(ZoneInput(departement_code="75"),),
    )
    return replace(base, **changes)


def add_issued_invoice(
    session: Session,
    provider_id: uuid.UUID,
    sequence: int,
    gross_cents: int,
    issue_date: date,
    due_date: date,
) -> uuid.UUID:
    """An invoice as the server issues and syncs it (one line at 20 % VAT)."""
    net = round(gross_cents / Decimal("1.2"))
    invoice = Invoice(
        provider_id=provider_id,
        kind=InvoiceKind.INVOICE,
        status=InvoiceStatus.ISSUED,
        period_start=(issue_date.replace(day=1) - timedelta(days=1)).replace(day=1),
        number=f"F{issue_date.year}-{sequence:06d}",
        sequence=sequence,
        issue_date=issue_date,
        due_date=due_date,
        issued_at=datetime(issue_date.year, issue_date.month, issue_date.day, 8, tzinfo=UTC),
        buyer_name=session.get(Provider, provider_id).company_name,  # type: ignore[union-attr]
        buyer_address="1 rue de la Paix, 75002 Paris",
        vat_territory="metropole",
        net_cents=net,
        vat_cents=gross_cents - net,
        gross_cents=gross_cents,
    )
    session.add(invoice)
    session.flush()
    session.add(
        InvoiceLine(
            invoice_id=invoice.id,
            position=1,
            kind="leads",
            label="Leads",
            quantity=1,
            unit_price_cents=net,
            amount_cents=net,
            vat_percent="20",
        )
    )
    return invoice.id
