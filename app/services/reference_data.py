"""Sectors, categories and sites installed in a new workspace from resources/reference."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import SiteKind
from app.persistence.models import Category, Sector, Site
from app.reference import categories, sectors

OWN_SITES = (
    ("devis-maison", "Devis Maison", "www.devis-maison.fr"),
    ("renov-conseil", "Rénov Conseil", "www.renov-conseil.fr"),
    ("credit-facile", "Crédit Facile", "www.credit-facile.fr"),
    ("services-a-domicile", "Services à Domicile", "www.services-a-domicile.fr"),
)
PARTNER_SITES = (
    ("partner-maisonmag", "MaisonMag – devis travaux", "devis.maisonmag.fr", "MaisonMag"),
    (
        "partner-bricoguide",
        "BricoGuide – trouver un artisan",
        "artisans.bricoguide.fr",
        "BricoGuide",
    ),
    ("partner-financeinfo", "FinanceInfo – comparateur", "compare.financeinfo.fr", "FinanceInfo"),
    (
        "partner-jardinpratique",
        "Jardin Pratique – devis",
        "devis.jardinpratique.fr",
        "Jardin Pratique",
    ),
)


def install_reference_data(session: Session) -> None:
    """Idempotent: adds what is missing, leaves edited thresholds alone."""
    existing_sectors = {s.code: s for s in session.scalars(select(Sector))}
    for ref in sectors():
        if ref.code not in existing_sectors:
            sector = Sector(
                code=ref.code,
                name=ref.name,
                qualification_threshold_cents=ref.qualification_budget_threshold_cents,
            )
            session.add(sector)
            existing_sectors[ref.code] = sector
    session.flush()
    existing_categories = set(session.scalars(select(Category.code)))
    floors = {ref.code: ref.lead_floor_price_cents for ref in sectors()}
    for cat in categories():
        if cat.code not in existing_categories:
            session.add(
                Category(
                    code=cat.code,
                    name=cat.name,
                    sector_id=existing_sectors[cat.sector_code].id,
                    needs_review=cat.needs_review,
                    floor_price_cents=floors[cat.sector_code],
                )
            )
    existing_sites = set(session.scalars(select(Site.code)))
    for code, name, domain in OWN_SITES:
        if code not in existing_sites:
            session.add(Site(code=code, name=name, domain=domain, kind=SiteKind.OWN))
    for code, name, domain, partner in PARTNER_SITES:
        if code not in existing_sites:
            session.add(
                Site(
                    code=code, name=name, domain=domain, kind=SiteKind.PARTNER, partner_name=partner
                )
            )
