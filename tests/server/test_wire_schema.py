"""The typed schema of pushed rows (sync.wire_schema), generated from the sync registry and the
columns, and the SAVEPOINT that keeps an unforeseen database error to its own operation."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Integer, String, select

from app.domain.contracts import ContractStatus
from app.domain.enums import Role
from app.ids import uuid7
from app.persistence.models import Contract, ContractVersion, User
from server import push as push_module
from server.persistence.database import session_factory
from server.push import Operation, apply_push
from server.scope import UserScope
from sync.hlc import Stamp
from sync.schema import BY_NAME, TABLES, encode
from sync.wire_schema import (
    ENUMS,
    MAXIMUM,
    MINIMUM,
    TABLE_CHECKS,
    TEXT_MAX_CHARS,
    InvalidRow,
    check_row,
    row_schema,
)
from tests.contract_fixtures import add_provider

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def refused(table: str, fields: dict[str, Any], inserting: bool = False) -> str | None:
    try:
        check_row(table, fields, inserting)
    except InvalidRow as exc:
        return str(exc)
    return None


def test_every_mapped_column_names_a_column_of_its_table() -> None:
    for table, column in [*ENUMS, *MINIMUM, *MAXIMUM, *TABLE_CHECKS]:
        assert column in BY_NAME[table].table.columns, (table, column)


def test_every_pushed_column_is_typed_with_the_length_of_its_column() -> None:
    for spec in TABLES:
        for inserting in (True, False):
            fields = row_schema(spec.name, inserting).model_fields
            by_alias = {f.alias: f for f in fields.values()}
            expected = set(spec.content_columns) - spec.local_only
            assert set(by_alias) == expected, spec.name
        for column in spec.table.columns:
            if column.name not in expected or (spec.name, column.name) in ENUMS:
                continue
            if isinstance(column.type, String):
                limit = column.type.length or TEXT_MAX_CHARS
                assert refused(spec.name, {column.name: "a" * (limit + 1)}), column
                assert "trop long" in (refused(spec.name, {column.name: "a" * (limit + 1)}) or "")


@given(st.integers())
def test_a_duration_is_a_whole_number_of_seconds_within_a_day(seconds: int) -> None:
    reason = refused("call_attempts", {"duration_seconds": seconds})
    assert (reason is None) == (0 <= seconds <= 24 * 3600), reason


@given(st.integers())
def test_an_amount_fits_the_bigint_column_and_is_not_negative(cents: int) -> None:
    reason = refused("leads", {"qualified_budget_cents": cents})
    assert (reason is None) == (0 <= cents < 2**63), reason


@given(st.integers())
def test_an_integer_column_takes_the_databases_range(value: int) -> None:
    column = BY_NAME["contract_zones"].table.columns["radius_km"]
    assert isinstance(column.type, Integer)
    reason = refused("contract_zones", {"radius_km": value})
    assert (reason is None) == (0 <= value < 2**31), reason


@given(st.one_of(st.text(), st.floats(), st.booleans(), st.lists(st.integers())))
def test_anything_but_a_json_integer_is_refused_in_a_cents_column(value: Any) -> None:
    assert refused("contract_prices", {"price_cents": value})


@pytest.mark.parametrize(("table", "column"), sorted(ENUMS))
def test_an_enum_column_takes_its_values_only(table: str, column: str) -> None:
    allowed = [str(v) for v in ENUMS[(table, column)]]
    for value in allowed:
        assert refused(table, {column: value}) is None
    assert "non autorisée" in (refused(table, {column: allowed[0] + "x"}) or "")


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 2),
        max_value=datetime(2199, 12, 30),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-10)), timezone(timedelta(hours=4))]
        ),
    )
)
def test_an_aware_time_round_trips_as_its_utc_instant(at: datetime) -> None:
    values = check_row("callbacks", {"due_at": encode(at)}, False)
    assert values["due_at"] == at and values["due_at"].tzinfo == UTC


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
def test_a_date_round_trips(day: date) -> None:
    assert check_row("sepa_mandates", {"revoked_on": encode(day)}, False) == {"revoked_on": day}


def test_an_insert_carries_its_required_columns_and_none_stands_for_a_default() -> None:
    reason = refused("lead_status_changes", {"lead_id": str(uuid.uuid4())}, inserting=True)
    assert reason and "changed_at" in reason and "to_status" in reason
    values = check_row(
        "lead_status_changes",
        {
            "lead_id": str(uuid.uuid4()),
            "changed_at": NOW.isoformat(),
            "to_status": "closed",
            "reason": None,  # recorded before the ORM applied the default ""
            "user_id": None,
        },
        True,
    )
    assert "reason" not in values and values["user_id"] is None
    assert refused("lead_status_changes", {"reason": None}) is not None  # an update: no default


def test_an_unforeseen_database_error_refuses_its_operation_alone(
    seeded_engines, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    writer, _reader = seeded_engines
    sessions = session_factory(writer)
    with sessions.begin() as session:
        provider = add_provider(session, "Alpha", "75011", NOW)
        contract = Contract(provider_id=provider)
        session.add(contract)
        session.flush()
        contract_id = contract.id
        rep = session.scalars(select(User).where(User.username == "sales1")).one()
        scope = UserScope(rep.id, Role.SALES)
    # The check that answers a taken version number with a reason is bypassed: the unique key
    # of the database refuses the second version 1 instead.
    monkeypatch.setattr(push_module, "contract_refusal", lambda *_args: None)

    def version(number: int) -> Operation:
        fields = {
            "contract_id": contract_id,
            "number": number,
            "status": ContractStatus.DRAFT,
            "status_changed_at": NOW,
            "starts_on": date(2027, 1, 1),
            "sharing_level": 3,
            "created_at": NOW,
            "updated_at": NOW,
        }
        stamp = str(Stamp(int(NOW.timestamp() * 1000), number, "ws"))
        encoded = {k: encode(v) for k, v in fields.items()}
        return Operation(uuid7(), "contract_versions", uuid7(), "insert", stamp, encoded, {})

    operations = [version(1), version(1), version(2)]
    with sessions.begin() as session:
        answers, _changed = apply_push(session, scope, operations, NOW)
    assert [a["status"] for a in answers] == ["applied", "rejected", "applied"]
    assert "n'a pas pu" in answers[1]["message"]
    with sessions() as session:
        stored = session.scalars(
            select(ContractVersion.number).where(ContractVersion.contract_id == contract_id)
        ).all()
    assert sorted(stored) == [1, 2]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@given(
    st.sampled_from([t.name for t in TABLES]).flatmap(
        lambda table: st.tuples(
            st.just(table),
            st.dictionaries(st.sampled_from(BY_NAME[table].content_columns), _JSON, max_size=4),
            st.booleans(),
        )
    )
)
def test_any_json_row_is_decoded_or_refused_with_a_reason(case: tuple[str, dict, bool]) -> None:
    table, fields, inserting = case
    try:
        check_row(table, fields, inserting)
    except InvalidRow as exc:
        assert str(exc).startswith("Valeurs refusées")
