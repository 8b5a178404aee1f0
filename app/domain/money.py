"""Amounts in euros typed or shown in French format; stored as integer cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import NumberFormatError, format_currency, parse_decimal

MAX_PROJECT_BUDGET_CENTS = 100_000_000_00  # 100 M EUR: beyond that it is a typing error


class InvalidAmount(ValueError):
    pass


def parse_euros(text: str, *, required: bool = False) -> int | None:
    """'15 000', '15000,50', '15 000 €' -> cents. Empty -> None unless required."""
    cleaned = text.replace("€", "").replace("\u202f", " ").replace("\xa0", " ").strip()
    cleaned = cleaned.replace(" ", "")
    if not cleaned:
        if required:
            raise InvalidAmount("Le montant est obligatoire.")
        return None
    try:
        value = parse_decimal(cleaned, locale="fr_FR", strict=False)
    except (NumberFormatError, InvalidOperation) as exc:
        raise InvalidAmount("Montant illisible (ex. : 15 000 ou 15000,50).") from exc
    if value < 0:
        raise InvalidAmount("Le montant ne peut pas être négatif.")
    cents = int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if cents > MAX_PROJECT_BUDGET_CENTS:
        raise InvalidAmount("Montant trop élevé : vérifiez la saisie.")
    return cents


def format_euros(cents: int | None, *, with_cents: bool = False) -> str:
    if cents is None:
        return "—"
    return _format_euros(cents, with_cents)


@lru_cache(maxsize=8192)
def _format_euros(cents: int, with_cents: bool) -> str:
    """Babel's formatting, remembered: a list repaints the same amounts many times."""
    amount = Decimal(cents) / 100
    pattern = None if with_cents else "#,##0\xa0¤"
    return format_currency(
        amount, "EUR", format=pattern, locale="fr_FR", currency_digits=with_cents
    )
