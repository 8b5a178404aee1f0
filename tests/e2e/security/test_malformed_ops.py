"""Issue 14, class 5 and the push limits of class 7: a malformed operation (huge integer, bad
date, unknown user id, object instead of a string, missing field, an envelope that is not an
operation) is refused alone with a reason instead of failing its batch with a 422 or a 500,
and a push holds at most as many operations as a workstation sends."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from app.clock import utc_now
from app.ids import uuid7
from app.persistence.models import CallAttempt, Lead
from server.app import PUSH_CHUNK
from sync.engine import PUSH_BATCH
from tests.e2e.security.conftest import LiveServer, op, stamp, statuses
from tests.e2e.security.test_values import (
    assert_refused_alone,
    call_attempt,
    good_note,
    new_lead,
    stored_lead,
)

MALFORMED_VALUES = [
    pytest.param("qualified_budget_cents", 10**30, id="huge-integer"),
    pytest.param("qualified_budget_cents", 2**63, id="integer-just-above-bigint"),
    pytest.param("qualified_at", "2026-02-30T10:00:00+00:00", id="impossible-date"),
    pytest.param("qualified_at", "0001-01-01T00:00:00+00:00", id="year-one-date"),
    pytest.param("qualified_at", "demain matin", id="unreadable-date"),
    pytest.param("qualified_at", 1764583200, id="number-for-a-date"),
    pytest.param("qualified_by_id", str(uuid.UUID(int=7)), id="unknown-user-id"),
    pytest.param("qualified_by_id", "pas-un-uuid", id="unreadable-user-id"),
    pytest.param("city", {"name": "Paris"}, id="object-for-a-string"),
    pytest.param("city", ["Paris"], id="list-for-a-string"),
    pytest.param("city", 75011, id="number-for-a-string"),
    pytest.param("no_such_column", "x", id="unknown-field"),
]


@pytest.mark.parametrize(("field", "value"), MALFORMED_VALUES)
def test_a_malformed_value_is_refused_alone(
    live_server: LiveServer, field: str, value: Any
) -> None:
    lead, other = new_lead(live_server), new_lead(live_server)
    bad = op("leads", lead.id, {field: value})
    assert_refused_alone(live_server, "expert1", bad, good_note(other, "Joignable"), field)
    if hasattr(Lead, field):
        assert getattr(stored_lead(live_server, lead.id), field) == getattr(lead, field)
    assert stored_lead(live_server, other.id).qualification_note == "Joignable"


# A missing author (caller_id) is filled in from the token: see test_rights.py.
@pytest.mark.parametrize("field", ["lead_id", "started_at", "disposition"])
def test_an_insert_missing_a_required_field_is_refused_alone(
    live_server: LiveServer, field: str
) -> None:
    lead = new_lead(live_server)
    bad = call_attempt(live_server, lead, **{field: ...})
    good = call_attempt(live_server, lead)
    assert_refused_alone(live_server, "expert1", bad, good, field)


def test_an_unknown_caller_is_refused_alone(live_server: LiveServer) -> None:
    lead = new_lead(live_server)
    bad = call_attempt(live_server, lead, caller_id=str(uuid.uuid4()))
    good = call_attempt(live_server, lead)
    message = assert_refused_alone(live_server, "expert1", bad, good, "caller_id")
    assert "inconnu" in message
    with live_server.sessions() as session:
        assert session.get(CallAttempt, uuid.UUID(bad["id"])) is None


def _envelope(lead: Lead, **changes: Any) -> dict[str, Any]:
    raw = op("leads", lead.id, {"qualification_note": "jamais écrit"})
    raw.update(changes)
    return {k: v for k, v in raw.items() if v is not ...}


ENVELOPES = [
    pytest.param({"fields": ...}, True, id="missing-fields"),
    pytest.param({"fields": ["qualification_note"]}, True, id="fields-not-an-object"),
    pytest.param({"fields": "qualification_note=x"}, True, id="fields-as-text"),
    pytest.param({"hlc": ...}, True, id="missing-stamp"),
    pytest.param({"hlc": 12}, True, id="number-for-a-stamp"),
    pytest.param({"id": "pas-un-uuid"}, True, id="unreadable-row-id"),
    pytest.param({"id": ...}, True, id="missing-row-id"),
    pytest.param({"table": {"name": "leads"}}, True, id="object-for-a-table"),
    pytest.param({"base": {"qualification_note": 5}}, True, id="base-not-strings"),
    pytest.param({"base": "tout"}, True, id="base-not-an-object"),
    pytest.param({"op": "pas-un-uuid"}, False, id="unreadable-op-id"),
    pytest.param({"op": ...}, False, id="missing-op-id"),
]


@pytest.mark.parametrize(("changes", "op_readable"), ENVELOPES)
def test_a_malformed_operation_is_refused_alone(
    live_server: LiveServer, changes: dict[str, Any], op_readable: bool
) -> None:
    lead, other = new_lead(live_server), new_lead(live_server)
    bad = _envelope(lead, **changes)
    answer = live_server.push("expert1", bad, good_note(other, "Bien reçu"))
    assert statuses(answer) == ["rejected", "applied"], answer.text
    first = answer.json()["results"][0]
    assert first["op"] == (bad["op"] if op_readable else None)
    assert first["message"]
    assert stored_lead(live_server, lead.id).qualification_note is None
    assert stored_lead(live_server, other.id).qualification_note == "Bien reçu"


@pytest.mark.parametrize("bad", [42, "op", None, ["leads"]], ids=["number", "text", "null", "list"])
def test_an_operation_that_is_not_an_object_is_refused_alone(
    live_server: LiveServer, bad: Any
) -> None:
    other = new_lead(live_server)
    answer = live_server.push("expert1", bad, good_note(other, "Vu"))
    assert statuses(answer) == ["rejected", "applied"], answer.text
    assert answer.json()["results"][0]["op"] is None


def test_a_lone_surrogate_is_refused_alone(live_server: LiveServer) -> None:
    lead, other = new_lead(live_server), new_lead(live_server)
    bad = op("leads", lead.id, {"city": "PLACEHOLDER"})
    good = good_note(other, "Noté")
    body = json.dumps({"batch": str(uuid.uuid4()), "ops": [bad, good]})
    body = body.replace('"PLACEHOLDER"', '"Paris \\ud800"')
    answer = live_server.client("expert1").post(
        "/api/v1/sync/push", content=body, headers={"Content-Type": "application/json"}
    )
    assert statuses(answer) == ["rejected", "applied"], answer.text
    assert "city" in answer.json()["results"][0]["message"]
    assert stored_lead(live_server, lead.id).city == lead.city


def test_the_same_operation_twice_in_a_batch_applies_once(live_server: LiveServer) -> None:
    lead = new_lead(live_server)
    twice = good_note(lead, "Une fois")
    answer = live_server.push("expert1", twice, twice)
    assert statuses(answer) == ["applied", "applied"], answer.text
    assert [r["op"] for r in answer.json()["results"]] == [twice["op"], twice["op"]]


def test_a_push_over_the_batch_size_is_refused_whole(live_server: LiveServer) -> None:
    lead = new_lead(live_server)
    ops = [good_note(lead, f"Note {n}") for n in range(PUSH_BATCH + 1)]
    answer = live_server.push("expert1", *ops)
    assert answer.status_code == 413, answer.text
    assert "au plus 500" in answer.json()["detail"]
    assert stored_lead(live_server, lead.id).qualification_note is None


def test_a_long_push_applies_in_order_across_its_chunks(live_server: LiveServer) -> None:
    """Applied in several short transactions, a long push still applies every operation in
    order (the last write of a field wins) and answers each one."""
    lead = new_lead(live_server)
    at = int(utc_now().timestamp() * 1000)
    ops, seen = [], lead.hlc
    for n in range(PUSH_CHUNK + 120):  # over two chunks
        note: Any = 70 if n == 70 else f"Note {n}"
        hlc = stamp("ws", at, n)
        ops.append(
            op(
                "leads",
                lead.id,
                {"qualification_note": note},
                hlc=hlc,
                base={"qualification_note": seen},
            )
        )
        seen = seen if n == 70 else hlc
    answer = live_server.push("expert1", *ops)
    expected = ["applied"] * len(ops)
    expected[70] = "rejected"
    assert statuses(answer) == expected
    assert [r["op"] for r in answer.json()["results"]] == [o["op"] for o in ops]
    assert stored_lead(live_server, lead.id).qualification_note == f"Note {len(ops) - 1}"


def test_a_retried_long_push_gets_its_stored_answers(live_server: LiveServer) -> None:
    lead = new_lead(live_server)
    ops = [good_note(lead, f"N{n}") for n in range(PUSH_CHUNK + 10)]  # over two chunks
    ops.append({"op": str(uuid7()), "table": "leads"})
    first = live_server.push("expert1", *ops)
    again = live_server.push("expert1", *ops)
    assert statuses(first) == statuses(again)
    assert first.json()["results"] == again.json()["results"]
