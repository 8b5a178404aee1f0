"""SEPA direct debit: mandates (RUM, IBAN, one-off or recurring) and the pain.008 file.

The file is built by `sepaxml` and validated against the pain.008 schema it ships before it is
returned: a file the bank would refuse is never written.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import holidays
from sepaxml import SepaDD
from sepaxml.validation import ValidationError
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as InvalidNumber

from app.domain.errors import FieldErrors

# pain.008.001.08: the version of the SEPA rulebook French banks take since November 2023.
PAIN_008 = "pain.008.001.08"
# A mandate unused for 36 months lapses (EPC rulebook); a new one must be signed.
LAPSE_MONTHS = 36
# A SEPA reference (RUM, message id, end-to-end id): up to 35 characters of the SEPA Latin set.
SEPA_REFERENCE = re.compile(r"^[A-Za-z0-9+?/:().,' -]{1,35}$")
RUM_FORMAT = (
    "Référence unique de mandat (RUM) : 35 caractères au plus, lettres, chiffres "
    "et + ? / : ( ) . , ' - espace."
)


class MandateKind(StrEnum):
    RECURRENT = "recurrent"
    ONE_OFF = "one_off"


MANDATE_KIND_LABELS = {MandateKind.RECURRENT: "Récurrent", MandateKind.ONE_OFF: "Ponctuel"}


@dataclass(frozen=True)
class MandateInput:
    rum: str
    debtor_name: str
    iban: str
    bic: str
    kind: MandateKind
    signed_on: date | None


@dataclass(frozen=True)
class CheckedMandate:
    rum: str
    debtor_name: str
    iban: str  # compact, upper case
    bic: str | None
    kind: MandateKind
    signed_on: date


def check_mandate(mandate: MandateInput, today: date) -> CheckedMandate:
    """The mandate as stored, or FieldErrors with one French message per field."""
    errors: dict[str, str] = {}
    rum = mandate.rum.strip()
    if not SEPA_REFERENCE.match(rum):
        errors["rum"] = RUM_FORMAT
    name = " ".join(mandate.debtor_name.split())
    if not name:
        errors["debtor_name"] = "Indiquez le titulaire du compte."
    elif len(name) > 70:
        errors["debtor_name"] = "Titulaire du compte : 70 caractères au plus."
    iban = ""
    try:
        iban = stdnum_iban.validate(mandate.iban)
    except InvalidNumber:
        errors["iban"] = "IBAN invalide (vérifiez les chiffres et la clé)."
    bic: str | None = None
    if mandate.bic.strip():
        try:
            bic = stdnum_bic.validate(mandate.bic)
        except InvalidNumber:
            errors["bic"] = "BIC invalide (8 ou 11 caractères)."
    if mandate.signed_on is None:
        errors["signed_on"] = "Indiquez la date de signature du mandat."
    elif mandate.signed_on > today:
        errors["signed_on"] = "La date de signature ne peut pas être dans le futur."
    if errors:
        raise FieldErrors(errors)
    assert mandate.signed_on is not None
    return CheckedMandate(rum, name, iban, bic, mandate.kind, mandate.signed_on)


def lapses_on(signed_on: date, last_collected_on: date | None) -> date:
    """The day a mandate lapses if it is not used before (36 months after its last use)."""
    start = last_collected_on or signed_on
    months = start.month - 1 + LAPSE_MONTHS
    year, month = start.year + months // 12, months % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def mandate_usable(
    kind: MandateKind,
    signed_on: date,
    revoked_on: date | None,
    last_collected_on: date | None,
    on: date,
) -> str | None:
    """Why the mandate cannot be collected on `on` (French), or None."""
    if revoked_on is not None and revoked_on <= on:
        return "mandat révoqué"
    if kind == MandateKind.ONE_OFF and last_collected_on is not None:
        return "mandat ponctuel déjà utilisé"
    if on >= lapses_on(signed_on, last_collected_on):
        return "mandat caduc (36 mois sans prélèvement)"
    return None


def sequence_type(kind: MandateKind, last_collected_on: date | None) -> str:
    """OOFF for a one-off mandate, FRST for a recurring mandate's first debit, then RCUR."""
    if kind == MandateKind.ONE_OFF:
        return "OOFF"
    return "FRST" if last_collected_on is None else "RCUR"


def settlement_day(day: date) -> bool:
    """Whether SEPA debits settle that day: TARGET2 is closed on weekends and its holidays."""
    return day.weekday() < 5 and day not in holidays.financial_holidays("XECB", years=day.year)


def next_settlement_day(after: date) -> date:
    day = after + timedelta(days=1)
    while not settlement_day(day):
        day += timedelta(days=1)
    return day


def earliest_collection(issue_date: date, due_date: date, prenotice_days: int) -> date:
    """An invoice is collected on its due date, and never before its pre-notification (the
    invoice itself, which announces the debit) has run its notice."""
    return max(due_date, issue_date + timedelta(days=prenotice_days))


@dataclass(frozen=True)
class Creditor:
    """Us, as the bank knows us: name, SEPA creditor identifier (ICS), account."""

    name: str
    creditor_id: str
    iban: str
    bic: str


@dataclass(frozen=True)
class DebitLine:
    end_to_end_id: str
    amount_cents: int
    debtor_name: str
    iban: str
    bic: str | None
    rum: str
    mandate_signed_on: date
    sequence_type: str
    description: str


class DebitFileRefused(Exception):
    """The file would not pass the bank's schema; the message is French."""


def pain008(
    creditor: Creditor, message_id: str, collection_date: date, lines: list[DebitLine]
) -> bytes:
    """The pain.008 XML for one collection date, validated against its schema."""
    if not lines:
        raise DebitFileRefused("Aucun prélèvement dans ce lot.")
    debit = SepaDD(
        {
            "name": creditor.name,
            "IBAN": creditor.iban,
            "BIC": creditor.bic,
            "batch": True,
            "creditor_id": creditor.creditor_id,
            "currency": "EUR",
        },
        schema=PAIN_008,
    )
    # Our batch id, so that the bank's reports and ours name the same file.
    debit._xml.find("CstmrDrctDbtInitn/GrpHdr/MsgId").text = message_id
    for line in lines:
        payment = {
            "name": line.debtor_name,
            "IBAN": line.iban,
            "amount": line.amount_cents,
            "type": line.sequence_type,
            "collection_date": collection_date,
            "mandate_id": line.rum,
            "mandate_date": line.mandate_signed_on,
            "description": line.description,
            "endtoend_id": line.end_to_end_id,
        }
        if line.bic:
            payment["BIC"] = line.bic
        debit.add_payment(payment)
    try:
        return bytes(debit.export(validate=True))
    except ValidationError as exc:
        raise DebitFileRefused(
            "Le fichier de prélèvement ne respecte pas le schéma pain.008 : "
            "vérifiez les coordonnées bancaires et l'identifiant créancier."
        ) from exc
