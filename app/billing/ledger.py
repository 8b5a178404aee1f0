"""What providers owe: payments, rejects, open amounts per invoice, the aged balance.

An invoice's open amount is its total incl. VAT, less its credit notes, less what was paid on
it (a direct debit counts as paid from its collection; its reject gives the amount back).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.errors import FieldErrors
from app.domain.money import format_euros


class PaymentKind(StrEnum):
    TRANSFER = "transfer"
    CHEQUE = "cheque"
    DIRECT_DEBIT = "direct_debit"
    REJECT = "reject"


PAYMENT_KIND_LABELS = {
    PaymentKind.TRANSFER: "Virement",
    PaymentKind.CHEQUE: "Chèque",
    PaymentKind.DIRECT_DEBIT: "Prélèvement SEPA",
    PaymentKind.REJECT: "Rejet de prélèvement",
}
# What staff record by hand; direct debits come from the server's debit run.
MANUAL_KINDS = (PaymentKind.TRANSFER, PaymentKind.CHEQUE)

# The ISO 20022 reason codes French banks return with a rejected direct debit.
REJECT_REASONS = {
    "AM04": "Provision insuffisante",
    "AC04": "Compte clôturé",
    "AC06": "Compte bloqué",
    "AC01": "IBAN erroné",
    "MD01": "Pas de mandat valide",
    "MS02": "Refus du débiteur",
    "MD06": "Remboursement demandé par le débiteur",
    "MS03": "Raison non communiquée",
    "SL01": "Service spécifique de la banque du débiteur",
}

AGE_BUCKETS = ("Non échu", "1 à 30 jours", "31 à 60 jours", "61 à 90 jours", "Plus de 90 jours")


def age_bucket(due_date: date, today: date) -> int:
    """The aged-balance column of an amount due on `due_date` (0: not yet due)."""
    late = (today - due_date).days
    if late <= 0:
        return 0
    return min(4, 1 + (late - 1) // 30)


def aged_balance(items: Iterable[tuple[date, int]], today: date) -> tuple[int, ...]:
    """Open amounts (due date, cents) summed per column of AGE_BUCKETS."""
    columns = [0] * len(AGE_BUCKETS)
    for due_date, open_cents in items:
        columns[age_bucket(due_date, today)] += open_cents
    return tuple(columns)


@dataclass(frozen=True)
class OpenItem:
    invoice_id: object
    number: str
    due_date: date
    open_cents: int


def allocate(amount_cents: int, open_items: list[OpenItem]) -> list[tuple[OpenItem, int]]:
    """Share a payment over the open invoices, oldest due first; never beyond what is due."""
    if amount_cents <= 0:
        raise FieldErrors({"amount": "Le montant doit être positif."})
    due = sum(item.open_cents for item in open_items if item.open_cents > 0)
    if amount_cents > due:
        owed = format_euros(due, with_cents=True)
        raise FieldErrors({"amount": f"Le montant dépasse ce qui reste dû ({owed}) : vérifiez-le."})
    shares = []
    rest = amount_cents
    for item in sorted(open_items, key=lambda i: (i.due_date, i.number)):
        if rest == 0:
            break
        if item.open_cents <= 0:
            continue
        share = min(rest, item.open_cents)
        shares.append((item, share))
        rest -= share
    return shares
