"""The rules the contract and simulation screens use, out of their widgets (issue 15): the
contract's life cycle as actions, the first of next month, the départements typed in a field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.clock import first_of_next_month
from app.domain.contracts import (
    CLIENT_STEPS,
    REQUEST_STEPS,
    ContractAction,
    ContractStatus,
    available_actions,
)
from app.domain.errors import FieldErrors
from app.domain.zones import parse_departement_codes

A = ContractAction


@pytest.mark.parametrize(
    ("status", "pending", "expected"),
    [
        (ContractStatus.DRAFT, False, {A.SAVE, A.SENT, A.PDF}),
        (ContractStatus.SENT, False, {A.SIGNED, A.DRAFT, A.PDF}),
        (ContractStatus.SIGNED, False, {A.ACTIVATE, A.AMEND, A.PDF}),
        (ContractStatus.SIGNED, True, {A.AMEND, A.PDF}),
        (ContractStatus.ACTIVE, False, {A.SUSPEND, A.TERMINATE, A.AMEND, A.PDF}),
        (ContractStatus.ACTIVE, True, {A.AMEND, A.PDF}),
        (ContractStatus.SUSPENDED, False, {A.RESUME, A.TERMINATE, A.AMEND, A.PDF}),
        (ContractStatus.TERMINATED, False, {A.PDF}),
    ],
)
def test_the_actions_open_on_a_version_follow_its_life_cycle(
    status: ContractStatus, pending: bool, expected: set[ContractAction]
) -> None:
    assert available_actions(status, writing=False, request_pending=pending) == expected


@pytest.mark.parametrize("status", [None, *ContractStatus])
def test_a_contract_being_typed_can_only_be_saved(status: ContractStatus | None) -> None:
    assert available_actions(status, writing=True, request_pending=False) == {A.SAVE}


def test_every_step_and_request_of_the_life_cycle_is_an_action() -> None:
    for current, targets in CLIENT_STEPS.items():
        opened = available_actions(current, writing=False, request_pending=False)
        assert {A(t.value) for t in targets} <= opened
    for kind, (allowed_from, _target) in REQUEST_STEPS.items():
        for status in ContractStatus:
            opened = available_actions(status, writing=False, request_pending=False)
            assert (A(kind.value) in opened) == (status in allowed_from)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 31), date(2026, 2, 1)),  # not 3 March (31 January + 32 days)
        (date(2026, 12, 2), date(2027, 1, 1)),
        (date(2028, 2, 29), date(2028, 3, 1)),
        (date(2026, 11, 1), date(2026, 12, 1)),
    ],
)
def test_first_of_next_month(day: date, expected: date) -> None:
    assert first_of_next_month(day) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9998, 12, 31)))
def test_first_of_next_month_is_the_day_after_the_month_ends(day: date) -> None:
    following = first_of_next_month(day)
    assert following.day == 1 and following > day
    assert (following - timedelta(days=1)).month == day.month


def test_departements_are_read_as_typed() -> None:
    assert parse_departement_codes(" 75, 92 ; 2a,1  93 ") == ["75", "92", "2A", "01", "93"]
    assert parse_departement_codes("75, 75") == ["75"]
    assert parse_departement_codes("  ") == []


def test_unknown_departements_are_named_on_their_field() -> None:
    with pytest.raises(FieldErrors) as raised:
        parse_departement_codes("75, 99, 2C")
    assert raised.value.errors == {"departements": "Département(s) inconnu(s) : 99, 2C."}
