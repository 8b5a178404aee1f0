"""What a provider's monthly invoice says: the package, the leads beyond it by category and
price, and the credits of accepted disputes, as invoice lines (pure, no database)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from app.billing.invoice_maths import Line, LineKind
from app.billing.vat import VatRate
from app.domain.money import format_euros


@dataclass(frozen=True)
class SoldLead:
    category: str
    price_cents: int
    within_package: bool


@dataclass(frozen=True)
class Package:
    fee_cents: int
    included_leads: int


@dataclass(frozen=True)
class OpenCredit:
    id: uuid.UUID
    label: str
    amount_cents: int


@dataclass(frozen=True)
class CreditUse:
    credit_id: uuid.UUID
    amount_cents: int  # all of the credit, or the part of it this invoice had room for


@dataclass(frozen=True)
class MonthlyBill:
    lines: tuple[Line, ...]
    # Credits taken off this invoice, oldest first; the others wait for the next one.
    credits_used: tuple[CreditUse, ...]


def month_label(month: date) -> str:
    return format_date(month, "MMMM yyyy", locale="fr_FR")


def monthly_bill(
    month: date,
    sales: Sequence[SoldLead],
    package: Package | None,
    credits: Sequence[OpenCredit],
    vat: VatRate,
) -> MonthlyBill:
    when = month_label(month)
    lines: list[Line] = []
    if package is not None:
        used = sum(1 for s in sales if s.within_package)
        lines.append(
            Line(
                LineKind.PACKAGE,
                f"Forfait mensuel {when} – {package.included_leads} demandes incluses "
                f"({used} reçue(s))",
                1,
                package.fee_cents,
                vat,
            )
        )
    groups: dict[tuple[str, int], int] = {}
    for sale in sales:
        if not sale.within_package:
            key = (sale.category, sale.price_cents)
            groups[key] = groups.get(key, 0) + 1
    for (category, price), count in sorted(groups.items()):
        lines.append(Line(LineKind.LEADS, f"Demandes « {category} » – {when}", count, price, vat))
    # Credits (`credits` oldest first) never take an invoice below zero, and are used in the
    # order they were granted: the one that does not fit is used in part, its rest and the
    # newer ones wait for the next invoice. None waits for ever behind a smaller newer one.
    room = sum(line.amount_cents for line in lines)
    used_credits = []
    for credit in credits:
        if room <= 0:
            break
        used = min(credit.amount_cents, room)
        label = credit.label
        if used < credit.amount_cents:
            label = (
                f"{credit.label} – {format_euros(used, with_cents=True)} sur "
                f"{format_euros(credit.amount_cents, with_cents=True)}, le reste sur la "
                "prochaine facture"
            )
        lines.append(Line(LineKind.CREDIT, label, 1, -used, vat))
        room -= used
        used_credits.append(CreditUse(credit.id, used))
    return MonthlyBill(tuple(lines), tuple(used_credits))
