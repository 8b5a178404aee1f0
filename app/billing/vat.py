"""VAT on our invoices, by the provider's place (docs/domain-rules.md: rates are data).

resources/reference/vat_rates.csv maps départements to a rate: 20 % in mainland France and
Corsica, 8.5 % in Guadeloupe, Martinique and La Réunion, none in Guyane and Mayotte (with
the mention the invoice must carry). `*` is every département not listed elsewhere.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache

from app.reference import REFERENCE_DIR


class VatCategory(StrEnum):
    """EN 16931 VAT category codes (UNTDID 5305) of the rates we invoice at."""

    STANDARD = "S"  # a standard or reduced rate (20 %, 8.5 %)
    OUTSIDE_SCOPE = "O"  # not subject to VAT: Guyane and Mayotte (art. 294-1 du CGI)


def vat_category(percent: Decimal) -> VatCategory:
    """Our only rate of 0 is outside the scope of VAT; an exempt (E) or zero-rated (Z) supply
    would need a rate of its own in vat_rates.csv and a category here."""
    return VatCategory.STANDARD if percent > 0 else VatCategory.OUTSIDE_SCOPE


@dataclass(frozen=True)
class VatRate:
    territory: str
    percent: Decimal
    mention: str = ""


@cache
def _rates() -> tuple[dict[str, VatRate], VatRate]:
    by_departement: dict[str, VatRate] = {}
    default: VatRate | None = None
    with (REFERENCE_DIR / "vat_rates.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            rate = VatRate(row["territory"], Decimal(row["rate_percent"]), row["mention"])
            if row["departements"] == "*":
                default = rate
            else:
                for code in row["departements"].split(","):
                    by_departement[code.strip()] = rate
    if default is None:
        raise RuntimeError("vat_rates.csv has no default (*) row")
    return by_departement, default


def vat_rate_for(departement_code: str) -> VatRate:
    by_departement, default = _rates()
    return by_departement.get(departement_code, default)


def vat_mention(territory: str) -> str:
    """The mention an invoice to this territory must carry (empty when none)."""
    by_departement, default = _rates()
    for rate in (*by_departement.values(), default):
        if rate.territory == territory:
            return rate.mention
    return ""
