"""Reading contract versions from the database, for the workstation and the server: their
terms, and which versions are in force on a day."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from app.domain.contracts import CategoryFloor, ContractStatus, ContractTerms, PriceLine
from app.domain.zones import ZoneInput
from app.persistence.models import Category, ContractPrice, ContractVersion, ContractZone


def category_floors(session: Session) -> dict[uuid.UUID, CategoryFloor]:
    return {
        c.id: CategoryFloor(c.name, c.floor_price_cents)
        for c in session.scalars(select(Category).where(Category.deleted.is_(False)))
    }


def terms_of(session: Session, version: ContractVersion) -> ContractTerms:
    prices = session.scalars(
        select(ContractPrice).where(
            ContractPrice.version_id == version.id, ContractPrice.deleted.is_(False)
        )
    )
    zones = session.scalars(
        select(ContractZone).where(
            ContractZone.version_id == version.id, ContractZone.deleted.is_(False)
        )
    )
    return ContractTerms(
        starts_on=version.starts_on,
        ends_on=version.ends_on,
        tacit_renewal=version.tacit_renewal,
        notice_days=version.notice_days,
        sharing_level=version.sharing_level,
        cap_leads=version.cap_leads,
        cap_cents=version.cap_cents,
        package_fee_cents=version.package_fee_cents,
        package_leads=version.package_leads,
        payment_days=version.payment_days,
        sepa_mandate_ref=version.sepa_mandate_ref,
        prices=tuple(
            sorted(
                (PriceLine(p.category_id, p.price_cents) for p in prices),
                key=lambda p: str(p.category_id),
            )
        ),
        zones=tuple(
            sorted(
                (ZoneInput(z.departement_code, z.postcode, z.radius_km) for z in zones),
                key=lambda z: z.label,
            )
        ),
    )


def dates_cover(today: date) -> ColumnElement[bool]:
    """A version whose dates include `today`; past its end, tacit renewal keeps it going."""
    return and_(
        ContractVersion.deleted.is_(False),
        ContractVersion.starts_on <= today,
        or_(
            ContractVersion.ends_on.is_(None),
            ContractVersion.ends_on >= today,
            and_(
                ContractVersion.tacit_renewal.is_(True),
                ContractVersion.status == ContractStatus.ACTIVE,
            ),
        ),
    )


# Statuses of a version that receives leads: active, or terminated with its notice running.
SELLING_STATUSES = (ContractStatus.ACTIVE, ContractStatus.TERMINATED)


def selling(today: date) -> ColumnElement[bool]:
    """A version that receives leads today."""
    return and_(dates_cover(today), ContractVersion.status.in_(SELLING_STATUSES))
