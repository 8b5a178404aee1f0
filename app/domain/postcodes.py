"""French postcodes: validation and the département (hence time zone) they belong to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.reference import Departement, departements

_POSTCODE = re.compile(r"^\d{5}$")

# Saint-Barthélemy and Saint-Martin share Guadeloupe's 971 prefix but are separate
# collectivities with their own public holidays.
_SPECIAL_POSTCODES = {"97133": "977", "97150": "978"}


class InvalidPostcode(ValueError):
    """The text is not a French postcode we serve."""


@dataclass(frozen=True)
class ConsumerZone:
    """Where a consumer lives, as far as the calling rules care."""

    departement_code: str
    timezone: ZoneInfo
    holiday_subdivision: str | None


def normalize_postcode(text: str) -> str:
    cleaned = text.strip().replace(" ", "")
    if not _POSTCODE.match(cleaned):
        raise InvalidPostcode("Le code postal doit comporter 5 chiffres.")
    departement_for_postcode(cleaned)
    return cleaned


def departement_code_for_postcode(postcode: str) -> str:
    if postcode in _SPECIAL_POSTCODES:
        return _SPECIAL_POSTCODES[postcode]
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):
        # Corsica: 200xx-201xx is Corse-du-Sud, 202xx-206xx Haute-Corse.
        return "2A" if postcode[2] in "01" else "2B"
    return postcode[:2]


def departement_for_postcode(postcode: str) -> Departement:
    code = departement_code_for_postcode(postcode)
    found = departements().get(code)
    if found is None:
        raise InvalidPostcode("Ce code postal ne correspond à aucun département desservi.")
    return found


def zone_for_departement(code: str) -> ConsumerZone:
    dep = departements()[code]
    return ConsumerZone(dep.code, ZoneInfo(dep.timezone), dep.holiday_subdivision)
