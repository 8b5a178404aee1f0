"""Issue 14, class 1: a far-future clock must not poison the replicas.

A pushed stamp far ahead of the server's time is refused with a reason (the rest of its batch
applies); a row that already holds one is repaired so that a later honest edit wins; a
workstation does not let a bad row drag its clock; and a workstation whose wall clock runs
fast does not lose its edit: it is stamped again with its clock held back to the server's.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import orjson
from sqlalchemy import select

from app.clock import utc_now
from app.persistence.models import Lead
from server.bootstrap import repair_future_clocks
from server.sequence import stamp_changes
from sync.hlc import CLOCK_AHEAD, MAX_AHEAD, Stamp
from tests.e2e.harness import Workstation
from tests.e2e.security.conftest import LiveServer, op, stamp, statuses

POISON = f"{'9' * 14}-000000-evil"  # the year 5138: 14 digits of milliseconds


def lead_ids(live: LiveServer) -> list[uuid.UUID]:
    with live.sessions() as session:
        return list(session.scalars(select(Lead.id).order_by(Lead.number)))


def poison(live: LiveServer, lead_id: uuid.UUID, city: str) -> None:
    """What an earlier server let in: a city edited with a far-future stamp, numbered for
    sync like any server write."""
    with live.sessions.begin() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        clocks = orjson.loads(lead.field_clocks or "{}")
        clocks["city"] = [POISON, None]
        lead.city, lead.field_clocks = city, orjson.dumps(clocks).decode()
        stamp_changes(session, [lead])


def stored_city(live: LiveServer, lead_id: uuid.UUID) -> tuple[str, Stamp]:
    with live.sessions() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead.city, Stamp.parse(orjson.loads(lead.field_clocks)["city"][0])


def bound_ms() -> int:
    return int((utc_now() + MAX_AHEAD).timestamp() * 1000)


def test_a_far_future_stamp_is_refused_with_a_reason_and_the_rest_applies(
    live_server: LiveServer,
) -> None:
    lead_id = lead_ids(live_server)[0]
    future = int((utc_now() + timedelta(days=365)).timestamp() * 1000)
    answer = live_server.push(
        "expert1",
        op("leads", lead_id, {"city": "Futur"}, hlc=stamp(millis=future)),
        op("leads", lead_id, {"city": "Futur"}, hlc=f"{'9' * 20}-000000-x"),
        op("leads", lead_id, {"qualification_note": "Rappeler le matin"}),
    )
    # The note had no base stamp (a raw push): applied, and kept as a conflict.
    assert statuses(answer) == ["rejected", "rejected", "conflict"]
    refused = answer.json()["results"][0]
    assert refused["code"] == CLOCK_AHEAD
    assert "horloge" in refused["message"]
    with live_server.sessions() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        assert (lead.city, lead.qualification_note) == ("Paris", "Rappeler le matin")


def test_a_poisoned_clock_cannot_make_a_later_edit_lose(
    live_server: LiveServer, tmp_path: Path
) -> None:
    lead_id = lead_ids(live_server)[1]
    poison(live_server, lead_id, "Poison")
    assert statuses(live_server.push("expert1", op("leads", lead_id, {"city": "Lyon"}))) == [
        "conflict"  # lost to the poisoned stamp: the repair is what makes it win again
    ]
    assert repair_future_clocks(live_server.engine) >= 1
    assert statuses(live_server.push("expert1", op("leads", lead_id, {"city": "Brest"}))) != [
        "rejected"
    ]
    city, clock = stored_city(live_server, lead_id)
    assert city == "Brest"
    assert clock.millis <= bound_ms()
    # A workstation receives the honest value, and a later edit of its own wins too.
    station = Workstation(tmp_path / "expert2.sqlite", live_server.url, "expert2", utc_now)
    try:
        station.sync()
        assert station.get(Lead, lead_id).city == "Brest"
        station.edit(Lead, lead_id, city="Nantes")
        station.sync()
        assert stored_city(live_server, lead_id)[0] == "Nantes"
    finally:
        station.close()


def test_a_workstation_clock_is_not_dragged_by_a_poisoned_row(
    live_server: LiveServer, tmp_path: Path
) -> None:
    poisoned, edited = lead_ids(live_server)[2:4]
    poison(live_server, poisoned, "Poison")
    station = Workstation(tmp_path / "expert3.sqlite", live_server.url, "expert3", utc_now)
    try:
        station.sync()
        assert station.get(Lead, poisoned).city == "Poison"  # the row arrives...
        assert Stamp.parse(station.tracker.hlc.last).millis <= bound_ms()  # ...not its clock
        station.edit(Lead, edited, city="Toulouse")
        station.sync()
        assert station.store.counts() == (0, 0)
        city, clock = stored_city(live_server, edited)
        assert city == "Toulouse"
        assert clock.millis <= bound_ms()
    finally:
        station.close()


def test_an_edit_stamped_by_a_fast_wall_clock_is_stamped_again_not_lost(
    live_server: LiveServer, tmp_path: Path
) -> None:
    lead_id = lead_ids(live_server)[4]
    skew = [timedelta(0)]
    station = Workstation(
        tmp_path / "fast.sqlite", live_server.url, "expert1", lambda: utc_now() + skew[0]
    )
    try:
        station.sync()
        skew[0] = timedelta(days=1)  # the PC's clock jumps a day ahead, offline
        station.edit(Lead, lead_id, city="Nice")
        station.sync()
        assert station.store.counts() == (0, 0)  # pushed, nothing refused for good
        city, clock = stored_city(live_server, lead_id)
        assert city == "Nice"
        assert clock.millis <= bound_ms()
        # Held back to the server's time: its next edit is accepted at once.
        station.edit(Lead, lead_id, city="Cannes")
        station.sync()
        assert stored_city(live_server, lead_id)[0] == "Cannes"
    finally:
        station.close()
