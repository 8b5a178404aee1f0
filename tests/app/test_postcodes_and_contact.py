from __future__ import annotations

import pytest

from app.domain.contact import (
    InvalidPhone,
    format_phone_national,
    normalize_email,
    normalize_phone,
    phone_search_key,
)
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


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        # Every overseas prefix of docs/domain-rules.md, typed the national way.
        ("0590 12 34 56", "+590590123456"),  # Guadeloupe, landline
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe, mobile
        ("0596 71 23 45", "+596596712345"),  # Martinique, landline
        ("0696 12 34 56", "+596696123456"),  # Martinique, mobile
        ("0594 30 12 34", "+594594301234"),  # Guyane, landline
        ("0694 12 34 56", "+594694123456"),  # Guyane, mobile
        ("0262 12 34 56", "+262262123456"),  # La Réunion, landline
        ("0263 71 23 45", "+262263712345"),  # La Réunion, landline (newer block)
        ("0692 12 34 56", "+262692123456"),  # La Réunion, mobile
        ("0693 12 34 56", "+262693123456"),  # La Réunion, mobile
        ("0269 61 23 45", "+262269612345"),  # Mayotte, landline
        ("0639 40 12 34", "+262639401234"),  # Mayotte, mobile
        # The same numbers written in international form, or stored by the mainland plan.
        ("+596 596 71 23 45", "+596596712345"),
        ("00596 596 71 23 45", "+596596712345"),
        ("+33596712345", "+596596712345"),
        ("+33269612345", "+262269612345"),
        ("+33 2 63 71 23 45", "+262263712345"),
        ("+262 263 71 23 45", "+262263712345"),
        ("+262 639 12 34 56", "+262639123456"),
        # Mainland numbers stay mainland, special-rate numbers too.
        ("02 99 12 34 56", "+33299123456"),
        ("05 56 12 34 56", "+33556123456"),
        ("07 39 12 34 56", "+33739123456"),
        ("08 00 12 34 56", "+33800123456"),
    ],
)
def test_phone_normalised_by_territory(typed: str, e164: str) -> None:
    """One consumer, one number: the call budget, the refusal period and the opposition list
    are keyed by it."""
    assert normalize_phone(typed) == e164
    assert normalize_phone(format_phone_national(e164)) == e164


def test_phone_search_key_follows_the_territory() -> None:
    assert phone_search_key("0596 71 23 45") == "+596596712345"
    assert phone_search_key("0596 71") is None


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


def test_migration_renormalises_stored_phones(workspace, clock, expert) -> None:
    """A workspace written before 0007 holds overseas numbers under the mainland plan: after
    the migration they are the territory's numbers, so the legal counts see one consumer."""
    from sqlalchemy import text

    from app.persistence.database import current_revision, head_revision, migrate
    from app.services.leads.lead_actions import LeadActions
    from tests.conftest import submit_lead

    martinique = submit_lead(workspace, phone="+596 596 71 23 45", postcode="97200", city="FdF")
    mainland = submit_lead(workspace, phone="06 12 34 56 78")
    LeadActions(workspace.sessions, clock, expert).record_opposition(martinique)
    with workspace.engine.begin() as connection:
        # What the old normaliser stored for "0596 71 23 45" and "0269 61 23 45".
        for table in ("leads", "call_attempts", "oppositions"):
            connection.execute(
                text(
                    f"UPDATE {table} SET phone_e164 = '+33596712345' "
                    "WHERE phone_e164 = '+596596712345'"
                )
            )
        connection.execute(
            text("UPDATE leads SET phone_e164 = '+33269612345' WHERE id = :id"),
            {"id": mainland.hex},
        )
        connection.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    migrate(workspace.engine)
    assert current_revision(workspace.engine) == head_revision()
    with workspace.engine.connect() as connection:
        phones = {
            table: set(connection.scalars(text(f"SELECT phone_e164 FROM {table}")))
            for table in ("leads", "oppositions")
        }
    assert phones["leads"] == {"+596596712345", "+262269612345"}
    assert phones["oppositions"] == {"+596596712345"}
    # A new request typed the national way now meets the opposition.
    again = submit_lead(workspace, phone="0596 71 23 45", postcode="97200", city="FdF")
    decision = LeadActions(workspace.sessions, clock, expert).may_call_now(again)
    assert not decision.allowed
