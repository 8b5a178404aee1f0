"""Providers and contract terms for the contract and dispatch tests."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.contracts import ContractTerms, PriceLine
from app.domain.geography import point_for_postcode
from app.domain.postcodes import departement_code_for_postcode
from app.domain.providers import ProviderSource, ProviderStage
from app.domain.zones import ZoneInput
from app.persistence.models import Category, Provider


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
