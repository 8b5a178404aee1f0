from __future__ import annotations

import pytest

from app.domain.contact import InvalidPhone, format_phone_national, normalize_email, normalize_phone
from app.domain.money import InvalidAmount, format_euros, parse_euros
from app.domain.postcodes import (
    InvalidPostcode,
    departement_code_for_postcode,
    normalize_postcode,
    zone_for_departement,
)


@pytest.mark.parametrize(
    ("postcode", "dep"),
    [
        ("75011", "75"),
        ("01000", "01"),
        ("20000", "2A"),
        ("20100", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97100", "971"),
        ("97133", "977"),
        ("97150", "978"),
        ("97400", "974"),
        ("97600", "976"),
    ],
)
def test_departement_of_postcode(postcode: str, dep: str) -> None:
    assert departement_code_for_postcode(postcode) == dep


@pytest.mark.parametrize("text", ["", "7501", "750111", "ABCDE", "96000", "00100", "97500"])
def test_invalid_postcodes(text: str) -> None:
    with pytest.raises(InvalidPostcode):
        normalize_postcode(text)


def test_overseas_time_zones() -> None:
    assert str(zone_for_departement("974").timezone) == "Indian/Reunion"
    assert str(zone_for_departement("973").timezone) == "America/Cayenne"
    assert str(zone_for_departement("976").timezone) == "Indian/Mayotte"
    assert str(zone_for_departement("2B").timezone) == "Europe/Paris"


def test_phone_normalization() -> None:
    assert normalize_phone("06 12 34 56 78") == "+33612345678"
    assert normalize_phone("+33 6 12 34 56 78") == "+33612345678"
    assert normalize_phone("0692 12 34 56") == "+262692123456"
    assert format_phone_national("+33612345678") == "06 12 34 56 78"
    for bad in ["", "12", "06 12 34", "+44 20 7946 0958", "abc"]:
        with pytest.raises(InvalidPhone):
            normalize_phone(bad)


def test_email_and_money() -> None:
    assert normalize_email(" Jean@Example.FR ") == "jean@example.fr"
    assert normalize_email("") is None
    with pytest.raises(ValueError):
        normalize_email("jean@")
    assert parse_euros("15 000") == 1_500_000
    assert parse_euros("15 000,50 €") == 1_500_050
    assert parse_euros("") is None
    for bad in ["abc", "-5", "999999999999"]:
        with pytest.raises(InvalidAmount):
            parse_euros(bad)
    with pytest.raises(InvalidAmount):
        parse_euros(" ", required=True)
    assert format_euros(1_500_000) == "15\u202f000\xa0€"
