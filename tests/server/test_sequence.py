"""The change sequence is monotone in commit order: a late commit is never skipped."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from app.domain.enums import Role
from app.ids import uuid7
from app.persistence.models import Sector
from server.persistence.database import session_factory
from server.pull import read_page
from server.scope import UserScope
from server.sequence import stamp_changes
from tests.server.conftest import SEEDED_AT

NOW = SEEDED_AT
MANAGER = UserScope(uuid7(), Role.MANAGER)


@pytest.fixture
def sessions(seeded_engines):  # type: ignore[no-untyped-def]
    writer, reader = seeded_engines
    return session_factory(writer), session_factory(reader)


def new_sector(code: str) -> Sector:
    return Sector(
        code=code,
        name=code,
        qualification_threshold_cents=0,
        hlc="x",
        created_at=NOW,
        updated_at=NOW,
    )


def pulled_codes(reader, cursor: int) -> tuple[list[str], int]:
    with reader() as session, session.begin():
        page = read_page(session, MANAGER, cursor, 1000)
    codes = [
        row[block["columns"].index("code")]
        for block in page["tables"]
        if block["name"] == "sectors"
        for row in block["rows"]
    ]
    return codes, page["cursor"]


def test_a_slow_transaction_committing_late_is_not_skipped(sessions) -> None:
    writer, reader = sessions
    _, cursor = pulled_codes(reader, 0)
    numbered = threading.Event()

    def slow_writer() -> None:
        with writer.begin() as session:
            sector = new_sector("slow")
            session.add(sector)
            stamp_changes(session, [sector])
            numbered.set()
            time.sleep(1.5)  # holds its number, uncommitted, while others write and read

    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert numbered.wait(10)

    fast_done = threading.Event()

    def fast_writer() -> None:
        with writer.begin() as session:
            sector = new_sector("fast")
            session.add(sector)
            stamp_changes(session, [sector])
        fast_done.set()

    fast = threading.Thread(target=fast_writer)
    fast.start()
    time.sleep(0.5)
    # While the slow one is open, a reader sees neither and its cursor does not move past it.
    codes, cursor_during = pulled_codes(reader, cursor)
    assert codes == [] and cursor_during == cursor
    assert not fast_done.is_set(), "the fast writer waits for the slow one's commit"
    slow.join(10)
    fast.join(10)
    codes, after = pulled_codes(reader, cursor_during)
    assert codes == ["slow", "fast"]
    with reader() as session:
        seqs = dict(session.execute(select(Sector.code, Sector.server_seq)).all())
    assert seqs["slow"] < seqs["fast"] == after
