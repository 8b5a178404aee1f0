"""An invoice's figures: lines, VAT by rate, totals, in integer cents.

Each line's amount is exact (quantity × unit price in cents). VAT is computed once per rate on
the sum of that rate's lines and rounded half up to the cent, which is what French practice
and the EN 16931 model (BT-117: VAT amount per rate) expect; the invoice total is the sum of
the bases and the rounded VAT amounts, so every printed figure adds up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from app.billing.vat import VatRate


class LineKind(StrEnum):
    LEADS = "leads"
    PACKAGE = "package"
    CREDIT = "credit"


@dataclass(frozen=True)
class Line:
    kind: LineKind
    label: str
    quantity: int
    unit_price_cents: int
    vat: VatRate

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True)
class VatTotal:
    rate: VatRate
    base_cents: int
    vat_cents: int


@dataclass(frozen=True)
class Totals:
    net_cents: int
    by_rate: tuple[VatTotal, ...]
    gross_cents: int

    @property
    def vat_cents(self) -> int:
        return sum(v.vat_cents for v in self.by_rate)


def vat_amount(base_cents: int, percent: Decimal) -> int:
    exact = Decimal(base_cents) * percent / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def totals(lines: Sequence[Line]) -> Totals:
    bases: dict[VatRate, int] = {}
    for line in lines:
        bases[line.vat] = bases.get(line.vat, 0) + line.amount_cents
    by_rate = tuple(
        VatTotal(rate, base, vat_amount(base, rate.percent))
        for rate, base in sorted(bases.items(), key=lambda item: item[0].percent, reverse=True)
    )
    net = sum(v.base_cents for v in by_rate)
    return Totals(net, by_rate, net + sum(v.vat_cents for v in by_rate))


def credit_note_vat(
    invoice_net_cents: int,
    invoice_vat_cents: int,
    credited_net_cents: int,
    credited_vat_cents: int,
    net_cents: int,
    percent: Decimal,
) -> int:
    """The VAT of a partial credit note of `net_cents` on a one-rate invoice, given what the
    notes before it credited.

    Rounding each note on its own can credit more VAT than the invoice carried (at 8.5 %,
    1.00 € and 199.00 € of a 200.00 € invoice: 0.085 → 0.09 and 16.915 → 16.92, 17.01 € of
    17.00 €). So the notes' VAT is rounded on the running total instead: after any note,
    the VAT credited is the VAT of the net credited, never more than the invoice's, and all of
    it once the whole net is.
    """
    credited = credited_net_cents + net_cents
    if credited >= invoice_net_cents:
        target = invoice_vat_cents
    else:
        target = min(vat_amount(credited, percent), invoice_vat_cents)
    return max(target - credited_vat_cents, 0)
