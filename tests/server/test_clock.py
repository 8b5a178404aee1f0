"""Clocks: stamps compare as numbers, pushed stamps far ahead of the server are refused, the
workstation's clock keeps its bound, and far-future stamps already stored are repaired."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.domain.enums import Role
from app.ids import uuid7
from app.persistence.database import make_engine, make_session_factory
from app.persistence.models import Lead, SyncConflict, User
from app.services.leads.intake import register_lead
from app.workspace import create_workspace
from server.bootstrap import repair_future_clocks
from server.push import Operation, apply_push
from server.scope import UserScope
from sync.hlc import CLOCK_AHEAD, HybridClock, Stamp, later, newest, stamp_key
from sync.tracking import HLC_KEY, OFFSET_KEY, read_state, workstation_clock, write_state
from tests.e2e.harness import lead_submission, seed_server

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
DAY_MS = 86_400_000
POISON_STAMP = f"{'9' * 14}-000000-ws"

stamps = st.builds(
    Stamp,
    st.integers(0, 10**16),
    st.integers(0, 10**8),
    st.text("0123456789abcdefXYZ_", min_size=1, max_size=19),
)


@given(stamps, stamps)
def test_stamps_compare_as_numbers(a: Stamp, b: Stamp) -> None:
    assert later(str(a), str(b)) == (a > b)
    assert (stamp_key(str(a)) < stamp_key(str(b))) == (a < b)
    assert newest([str(a), str(b)]) == str(max(a, b))


def test_a_stamp_whose_counter_grew_a_digit_still_sorts_after() -> None:
    assert later(f"{NOW_MS}-1000000-a", f"{NOW_MS}-999999-b")
    assert later(f"{10**13}-000000-a", f"{NOW_MS}-000000-b")
    assert newest(["", f"{NOW_MS}-000001-a"]) == f"{NOW_MS}-000001-a"


@pytest.mark.parametrize("text", ["１２-1-a", "1-1-a-b", "+1-1-a", " 1-1-a", "1-1-" + "n" * 20])
def test_a_malformed_stamp_does_not_parse(text: str) -> None:
    """Only ASCII digits, and a node that fits the stored String(40) column."""
    with pytest.raises(ValueError):
        Stamp.parse(text)


def wall_at(millis: list[int]) -> HybridClock:
    return HybridClock("ws", lambda: millis[0], offset_millis=0)


def test_a_clock_does_not_observe_a_stamp_beyond_its_bound() -> None:
    clock = wall_at([NOW_MS])
    clock.observe(str(Stamp(NOW_MS + DAY_MS, 0, "evil")), str(Stamp(NOW_MS + 1000, 3, "ok")))
    assert Stamp.parse(clock.now()) == Stamp(NOW_MS + 1000, 4, "ws")


def test_a_poisoned_saved_clock_is_brought_back_and_still_beats_what_it_saw() -> None:
    poisoned = str(Stamp(NOW_MS + 365 * DAY_MS, 7, "ws"))
    clock = HybridClock("ws", lambda: NOW_MS, poisoned, offset_millis=0)
    stamp = Stamp.parse(clock.now())
    assert stamp.millis <= NOW_MS + 5 * 60_000
    # Above every stamp a server may have accepted by now (its time plus the bound).
    assert later(str(stamp), str(Stamp(NOW_MS + 5 * 60_000, 0, "zzz")))
    # Before it learnt the server's time, a wall clock hours slow is no proof that the saved
    # clock is wrong: no reset (its next edits would lose, silently, to what it had seen).
    seen = str(Stamp(NOW_MS + 3 * 3600_000, 0, "ws"))
    assert later(HybridClock("ws", lambda: NOW_MS, seen).now(), seen)


def test_a_fast_wall_clock_is_held_back_to_the_server_time() -> None:
    wall = [NOW_MS + DAY_MS]
    clock = HybridClock("ws", lambda: wall[0])
    clock.follow(NOW_MS)
    assert Stamp.parse(clock.now()).millis == NOW_MS
    # A slow one is left to the HLC (it observes what it receives).
    slow = HybridClock("ws", lambda: NOW_MS - DAY_MS)
    slow.follow(NOW_MS)
    assert Stamp.parse(slow.now()).millis == NOW_MS - DAY_MS


def test_the_counter_keeps_its_width() -> None:
    clock = HybridClock("ws", lambda: NOW_MS, str(Stamp(NOW_MS, 999_999, "ws")))
    assert clock.now() == str(Stamp(NOW_MS + 1, 0, "ws"))


# -- the server ---------------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'server.sqlite'}")
    seed_server(engine, 0, NOW)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        expert = session.scalars(select(User).where(User.username == "expert1")).one()
        lead = register_lead(session, lead_submission(1, NOW))
        lead_id = lead.id
    yield engine, sessions, UserScope(expert.id, Role.EXPERT), lead_id
    engine.dispose()


def _op(row_id: Any, hlc: str, **fields: Any) -> Operation:
    return Operation(uuid7(), "leads", row_id, "update", hlc, fields, {})


def _push(sessions, scope, *ops: Operation) -> list[dict]:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        answers, _changed = apply_push(session, scope, list(ops), NOW)
    return answers


def _city_clock(sessions, lead_id) -> str:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return orjson.loads(session.get(Lead, lead_id).field_clocks)["city"][0]


def test_a_stamp_far_ahead_of_the_server_is_refused_and_the_rest_applies(server) -> None:  # type: ignore[no-untyped-def]
    _engine, sessions, scope, lead_id = server
    answers = _push(
        sessions,
        scope,
        _op(lead_id, str(Stamp(NOW_MS + DAY_MS, 0, "ws")), city="Lyon"),
        _op(lead_id, str(Stamp(NOW_MS, 0, "ws")), qualification_note="Rappeler"),
        _op(lead_id, str(Stamp(NOW_MS + 60_000, 0, "ws")), postcode="69001"),  # within bound
    )
    assert [a["status"] for a in answers] == ["rejected", "applied", "applied"]
    assert answers[0]["code"] == CLOCK_AHEAD
    assert "horloge" in answers[0]["message"]
    with sessions() as session:
        lead = session.get(Lead, lead_id)
        assert (lead.city, lead.qualification_note, lead.postcode) == (
            "Paris",
            "Rappeler",
            "69001",
        )


def test_a_huge_stamp_is_refused_not_a_crash(server) -> None:  # type: ignore[no-untyped-def]
    _engine, sessions, scope, lead_id = server
    answers = _push(sessions, scope, _op(lead_id, f"{'9' * 20}-{'9' * 20}-ws", city="Lyon"))
    assert answers[0]["status"] == "rejected"


def test_merge_compares_stamps_as_numbers(server) -> None:  # type: ignore[no-untyped-def]
    _engine, sessions, scope, lead_id = server
    first = str(Stamp(NOW_MS, 999_999, "a"))
    second = str(Stamp(NOW_MS, 1_000_000, "b"))  # later, one counter digit longer
    _push(sessions, scope, _op(lead_id, first, city="Lyon"))
    answers = _push(sessions, scope, _op(lead_id, second, city="Nice"))
    assert answers[0]["status"] == "conflict"  # concurrent (no base), and the later one wins
    with sessions() as session:
        assert session.get(Lead, lead_id).city == "Nice"
    assert _city_clock(sessions, lead_id) == second


def test_repair_brings_far_future_stamps_back_and_a_later_edit_wins(server) -> None:  # type: ignore[no-untyped-def]
    engine, sessions, scope, lead_id = server
    poisoned = f"{'9' * 14}-000000-evil"
    with sessions.begin() as session:
        lead = session.get(Lead, lead_id)
        lead.city = "Poison"
        lead.hlc = poisoned
        lead.field_clocks = orjson.dumps({"city": [poisoned, None]}).decode()
        seq_before = lead.server_seq
    assert (
        _push(sessions, scope, _op(lead_id, str(Stamp(NOW_MS, 0, "ws")), city="Lyon"))[0]["status"]
        == "conflict"
    )  # lost to the poisoned stamp
    # The lead, and the conflict its losing edit left (stamped with the newest of the two).
    assert repair_future_clocks(engine, NOW) == 2
    with sessions() as session:
        lead = session.get(Lead, lead_id)
        assert lead.hlc == str(Stamp(NOW_MS, 0, "evil"))
        assert lead.server_seq > (seq_before or 0)  # every workstation pulls it again
    assert _city_clock(sessions, lead_id) == str(Stamp(NOW_MS, 0, "evil"))
    with sessions() as session:  # the conflict's sides too (the screens show them as times)
        conflict = session.scalars(select(SyncConflict)).one()
        assert conflict.winner_hlc == conflict.hlc == str(Stamp(NOW_MS, 0, "evil"))
    answers = _push(sessions, scope, _op(lead_id, str(Stamp(NOW_MS + 1, 0, "ws")), city="Brest"))
    assert answers[0]["status"] != "rejected"
    with sessions() as session:
        assert session.get(Lead, lead_id).city == "Brest"
    assert repair_future_clocks(engine, NOW) == 0  # nothing left beyond the bound


def test_a_workstation_brings_back_a_poisoned_saved_clock_at_start(tmp_path: Path) -> None:
    workspace = create_workspace(tmp_path / "w.sqlite", reference_data=False)
    try:
        with workspace.sessions.begin() as session:
            write_state(session, HLC_KEY, POISON_STAMP)
            write_state(session, OFFSET_KEY, "0")  # it had learnt the server's time
        clock = workstation_clock(workspace.sessions, lambda: NOW)
        assert Stamp.parse(clock.now()).millis <= NOW_MS + 5 * 60_000
        with workspace.sessions() as session:  # saved so
            assert Stamp.parse(read_state(session, HLC_KEY) or "").millis <= NOW_MS + 5 * 60_000
    finally:
        workspace.close()
