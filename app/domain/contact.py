"""Consumer contact details: phone numbers (E.164 stored, French format shown) and e-mails."""

from __future__ import annotations

import re

import phonenumbers

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")
# Regions whose numbers a consumer of ours may give: mainland France and overseas.
_FRENCH_REGIONS = {"FR", "GP", "MQ", "GF", "RE", "YT", "BL", "MF", "PM"}
_PARSE_ORDER = ("FR", "RE", "GP", "MQ", "GF", "YT", "BL", "MF", "PM")


class InvalidPhone(ValueError):
    pass


class InvalidEmail(ValueError):
    pass


def normalize_phone(text: str) -> str:
    """Parse a phone number typed by a person and return it in E.164."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidPhone("Le numéro de téléphone est obligatoire.")
    number = None
    # A national number (0...) may be mainland or overseas: "0692..." is La Réunion.
    for region in _PARSE_ORDER:
        try:
            candidate = phonenumbers.parse(cleaned, region)
        except phonenumbers.NumberParseException as exc:
            raise InvalidPhone("Numéro de téléphone illisible.") from exc
        if phonenumbers.is_valid_number(candidate):
            number = candidate
            break
    if number is None:
        raise InvalidPhone("Numéro de téléphone invalide (ex. : 06 12 34 56 78).")
    if phonenumbers.region_code_for_number(number) not in _FRENCH_REGIONS:
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


def normalize_email(text: str) -> str | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    if not _EMAIL.match(cleaned):
        raise InvalidEmail("Adresse e-mail invalide (ex. : nom@exemple.fr).")
    return cleaned.lower()
