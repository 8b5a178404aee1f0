"""VAT on our invoices, by the provider's place (docs/domain-rules.md: rates are data).

resources/reference/vat_rates.csv maps départements to a rate: 20 % in mainland France and
Corsica, 8.5 % in Guadeloupe, Martinique and La Réunion, none in Guyane and Mayotte (with
the mention the invoice must carry). `*` is every département not listed elsewhere.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from app.reference import REFERENCE_DIR


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
