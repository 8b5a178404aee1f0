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
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.eu import at_02 as stdnum_at02
from stdnum.exceptions import ValidationError as InvalidNumber

from app.domain.errors import FieldErrors
from app.domain.mandate_reference import RUM_FORMAT, valid_rum

# pain.008.001.08: the version of the SEPA rulebook French banks take since November 2023.
PAIN_008 = "pain.008.001.08"
# A mandate unused for 36 months lapses (EPC rulebook); a new one must be signed.
LAPSE_MONTHS = 36
# Countries whose IBANs the SEPA schemes reach (EPC409-09, list of countries in the SEPA
# schemes' geographical scope, 2025): the EU, the EEA, Andorra, Monaco, San Marino,
# Switzerland, the United Kingdom, the Vatican, Albania, Moldova, Montenegro, North Macedonia,
# and Gibraltar; the French overseas départements and collectivities in SEPA use FR IBANs,
# Guernsey, Jersey and the Isle of Man GB ones.
SEPA_IBAN_COUNTRIES = frozenset(
    {
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
        *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
        *("IS", "LI", "NO"),
        *("AD", "MC", "SM", "CH", "GB", "VA", "AL", "MD", "ME", "MK", "GI"),
    }
)


def check_creditor_id(value: str) -> str:
    """Our SEPA creditor identifier (ICS, EPC AT-02) in its stored form, checked by
    python-stdnum (ISO 7064 mod 97-10 check digits), or ValueError: a country of SEPA, 2 check
    digits, a business code (ZZZ when none) and the national identifier (6 characters for a
    French ICS)."""
    compact = stdnum_at02.compact(value)
    national = re.fullmatch(r"([A-Z]{2})\d{2}[A-Z0-9]{3}([A-Z0-9]{1,28})", compact)
    if (
        national is None
        or national.group(1) not in SEPA_IBAN_COUNTRIES
        or (national.group(1) == "FR" and len(national.group(2)) != 6)
        or not stdnum_at02.is_valid(compact)
    ):
        raise ValueError(f"invalid SEPA creditor identifier: {value!r}")
    return compact


def check_sepa_iban(value: str) -> str:
    """An IBAN a SEPA direct debit can reach, compact, or ValueError with a French message."""
    try:
        iban = stdnum_iban.validate(value)
    except InvalidNumber:
        raise ValueError("IBAN invalide (vérifiez les chiffres et la clé).") from None
    if iban[:2] not in SEPA_IBAN_COUNTRIES:
        raise ValueError(
            f"IBAN hors de la zone SEPA ({iban[:2]}) : pas de prélèvement SEPA possible."
        )
    return iban


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


def check_mandate(mandate: MandateInput, today: date | None) -> CheckedMandate:
    """The mandate as stored, or FieldErrors with one French message per field.

    The workstation where it is typed and the server it is pushed to both run this. The
    server passes no `today`: the signature date was checked against the day of the
    workstation that recorded it (whose clock may be a demo's), not against the server's.
    """
    errors: dict[str, str] = {}
    rum = mandate.rum.strip()
    if not valid_rum(rum):
        errors["rum"] = RUM_FORMAT
    name = " ".join(mandate.debtor_name.split())
    if not name:
        errors["debtor_name"] = "Indiquez le titulaire du compte."
    elif len(name) > 70:
        errors["debtor_name"] = "Titulaire du compte : 70 caractères au plus."
    iban = ""
    try:
        iban = check_sepa_iban(mandate.iban)
    except ValueError as refused:
        errors["iban"] = str(refused)
    bic: str | None = None
    if mandate.bic.strip():
        try:
            bic = stdnum_bic.validate(mandate.bic)
        except InvalidNumber:
            errors["bic"] = "BIC invalide (8 ou 11 caractères)."
    if mandate.signed_on is None:
        errors["signed_on"] = "Indiquez la date de signature du mandat."
    elif today is not None and mandate.signed_on > today:
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
    # Imported here: sepaxml loads its XML schemas at import, which the settings' IBAN and
    # ICS checks above (imported by every workstation at start) do not need.
    from sepaxml import SepaDD
    from sepaxml.validation import ValidationError

    if not lines:
        raise DebitFileRefused("Aucun prélèvement dans ce lot.")
    try:
        creditor_id = check_creditor_id(creditor.creditor_id)
    except ValueError:
        raise DebitFileRefused(
            f"Identifiant créancier SEPA (ICS) invalide : « {creditor.creditor_id} ». "
            "Corrigez-le dans les paramètres de la société ([company] sepa_creditor_id)."
        ) from None
    debit = SepaDD(
        {
            "name": creditor.name,
            "IBAN": creditor.iban,
            "BIC": creditor.bic,
            "batch": True,
            "creditor_id": creditor_id,
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
