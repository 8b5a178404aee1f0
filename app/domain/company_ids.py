"""French company identifiers: SIREN, SIRET and intra-community VAT numbers (python-stdnum).

SIREN (9 digits) and SIRET (14 digits) carry a Luhn check; La Poste's SIRETs are the one
exception and python-stdnum knows it. The French VAT number is "FR" + a 2-character key +
the SIREN; python-stdnum checks the key.
"""

from __future__ import annotations

from stdnum.exceptions import ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva


class InvalidCompanyId(ValueError):
    """The identifier is not valid; the message is French, for the field."""


def normalize_siren(text: str) -> str | None:
    cleaned = stdnum_siren.compact(text or "")
    if not cleaned:
        return None
    if not cleaned.isdigit() or len(cleaned) != 9:
        raise InvalidCompanyId("Le SIREN comporte 9 chiffres.")
    try:
        return stdnum_siren.validate(cleaned)
    except ValidationError:
        raise InvalidCompanyId("SIREN invalide : la clé de contrôle ne correspond pas.") from None


def normalize_siret(text: str) -> str | None:
    cleaned = stdnum_siret.compact(text or "")
    if not cleaned:
        return None
    if not cleaned.isdigit() or len(cleaned) != 14:
        raise InvalidCompanyId("Le SIRET comporte 14 chiffres.")
    try:
        return stdnum_siret.validate(cleaned)
    except ValidationError:
        raise InvalidCompanyId("SIRET invalide : la clé de contrôle ne correspond pas.") from None


def normalize_vat(text: str) -> str | None:
    cleaned = stdnum_tva.compact(text or "")
    if not cleaned:
        return None
    if not cleaned.startswith("FR"):
        cleaned = "FR" + cleaned
    try:
        valid = stdnum_tva.validate(cleaned)
    except ValidationError:
        raise InvalidCompanyId(
            "Numéro de TVA invalide (ex. : FR 40 303 265 045, clé puis SIREN)."
        ) from None
    return valid if valid.startswith("FR") else f"FR{valid}"


def siren_of_siret(siret: str) -> str:
    return siret[:9]


def vat_for_siren(siren: str) -> str:
    """The French VAT number of a company from its SIREN (the key is computed)."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"
