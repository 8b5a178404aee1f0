"""Reference data shipped in resources/reference (départements, sectors, categories)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
REFERENCE_DIR = RESOURCES_DIR / "reference"


@dataclass(frozen=True)
class Departement:
    code: str
    name: str
    chief_town: str
    chief_town_postcode: str
    timezone: str
    holiday_subdivision: str | None


@dataclass(frozen=True)
class SectorRef:
    code: str
    name: str
    qualification_budget_threshold_cents: int
    # The lowest price per lead a contract may set in the sector's categories (excl. VAT).
    lead_floor_price_cents: int


@dataclass(frozen=True)
class CategoryRef:
    sector_code: str
    code: str
    name: str
    needs_review: bool


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@cache
def departements() -> dict[str, Departement]:
    return {
        row["code"]: Departement(
            code=row["code"],
            name=row["name"],
            chief_town=row["chief_town"],
            chief_town_postcode=row["chief_town_postcode"],
            timezone=row["timezone"],
            holiday_subdivision=row["holiday_subdivision"] or None,
        )
        for row in _rows("departements.csv")
    }


@cache
def sectors() -> tuple[SectorRef, ...]:
    return tuple(
        SectorRef(
            code=row["code"],
            name=row["name"],
            qualification_budget_threshold_cents=int(row["qualification_budget_threshold_eur"])
            * 100,
            lead_floor_price_cents=int(row["lead_floor_price_eur"]) * 100,
        )
        for row in _rows("sectors.csv")
    )


@cache
def categories() -> tuple[CategoryRef, ...]:
    return tuple(
        CategoryRef(
            sector_code=row["sector"],
            code=row["code"],
            name=row["name"],
            needs_review=row["needs_review"] == "1",
        )
        for row in _rows("categories.csv")
    )
