"""Consumer contact details: phone numbers (E.164 stored, French format shown) and e-mails."""

from __future__ import annotations

import re

import phonenumbers

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")
# Regions whose numbers a consumer of ours may give: mainland France and overseas.
_FRENCH_REGIONS = {"FR", "GP", "MQ", "GF", "RE", "YT", "BL", "MF", "PM"}
_OVERSEAS_REGIONS = ("GP", "MQ", "GF", "RE", "YT", "BL", "MF", "PM")
# The national prefixes (without the 0) that belong to an overseas territory, as the numbering
# plan allocates them (docs/domain-rules.md, "Identifiers"). phonenumbers decides the rest; it
# is needed here because its mainland metadata also accepts 02 63 or 05 96 numbers, and its
# overseas metadata lags behind some newly opened blocks (0263, part of 0639).
_OVERSEAS_PREFIXES = {
    "590": "GP",
    "690": "GP",
    "596": "MQ",
    "696": "MQ",
    "594": "GF",
    "694": "GF",
    "262": "RE",
    "263": "RE",
    "692": "RE",
    "693": "RE",
    "269": "YT",
    "639": "YT",
}


class InvalidPhone(ValueError):
    pass


class InvalidEmail(ValueError):
    pass


def _overseas_region(national: str) -> str | None:
    """The overseas territory of a French national number (9 digits after the 0), if any."""
    if len(national) != 9:
        return None
    listed = _OVERSEAS_PREFIXES.get(national[:3])
    if listed is not None:
        return listed
    if phonenumbers.is_valid_number(phonenumbers.parse("0" + national, "FR")):
        return None
    # Not a mainland number: a territory whose own plan knows it (0697 Martinique, ...).
    found = {
        phonenumbers.region_code_for_number(candidate)
        for region in _OVERSEAS_REGIONS
        if phonenumbers.is_valid_number(candidate := phonenumbers.parse("0" + national, region))
    }
    return found.pop() if len(found) == 1 else None


def _by_territory(number: phonenumbers.PhoneNumber) -> tuple[phonenumbers.PhoneNumber, bool]:
    """The number under its territory's own country code, and whether the numbering plan's
    prefixes (rather than phonenumbers' validity data) vouch for that territory."""
    national = phonenumbers.national_significant_number(number)
    if number.country_code == 33:
        region = _overseas_region(national)
        if region is not None:
            number = phonenumbers.parse("0" + national, region)
    listed = _OVERSEAS_PREFIXES.get(national[:3]) if len(national) == 9 else None
    by_plan = listed is not None and number.country_code == (
        phonenumbers.country_code_for_region(listed)
    )
    return number, by_plan


def normalize_phone(text: str) -> str:
    """Parse a phone number typed by a person (or stored earlier) and return it in E.164.

    A French number is stored under the country code of its territory, whichever way it was
    written: "0596 71 23 45", "+596 596 71 23 45" and "+33 5 96 71 23 45" are all Martinique's
    +596596712345 (docs/domain-rules.md). The call budget, the refusal period and the
    opposition list are keyed by this number, so one consumer must never get two.
    """
    cleaned = text.strip()
    if not cleaned:
        raise InvalidPhone("Le numéro de téléphone est obligatoire.")
    try:
        parsed = phonenumbers.parse(cleaned, "FR")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("Numéro de téléphone illisible.") from exc
    number, by_plan = _by_territory(parsed)
    valid = phonenumbers.is_valid_number(number) or (
        by_plan and phonenumbers.is_possible_number(number)
    )
    if not valid:
        raise InvalidPhone("Numéro de téléphone invalide (ex. : 06 12 34 56 78).")
    region = phonenumbers.region_code_for_number(
        number
    ) or phonenumbers.region_code_for_country_code(number.country_code)
    if region not in _FRENCH_REGIONS:
        raise InvalidPhone("Seuls les numéros français (métropole et outre-mer) sont acceptés.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone_national(e164: str) -> str:
    """E.164 to the French national format, for display (06 12 34 56 78)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_search_key(text: str) -> str | None:
    """E.164 for a complete number, else None (the caller then tries other searches)."""
    try:
        return normalize_phone(text)
    except InvalidPhone:
        return None


def phone_prefix_key(digits: str) -> str | None:
    """The E.164 start of a partly typed national number ("0596 71" -> "+59659671"), for a
    prefix search on stored numbers; None when it is not the start of a French number."""
    if not (digits.startswith("0") and digits.isdigit() and 3 <= len(digits) <= 10):
        return None
    national = digits[1:]
    region = _OVERSEAS_PREFIXES.get(national[:3])
    code = phonenumbers.country_code_for_region(region) if region else 33
    return f"+{code}{national}"


def normalize_email(text: str) -> str | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    if not _EMAIL.match(cleaned):
        raise InvalidEmail("Adresse e-mail invalide (ex. : nom@exemple.fr).")
    return cleaned.lower()
