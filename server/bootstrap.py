"""Preparing a server database: sequence numbers and clocks for rows loaded in bulk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, bindparam, func, literal_column, select, update
from sqlalchemy.orm import Session

from app.clock import utc_now
from app.persistence.models import Lead
from server.persistence.models import Counter
from sync.hlc import Stamp
from sync.schema import TABLES


def stamp_unsequenced(engine: Engine, now: datetime | None = None) -> int:
    """Number every row that has no server sequence yet (bulk-loaded data); returns the head.

    Run while no server is writing (a bootstrap step): it takes the counter lock but numbers
    rows table by table in foreign-key order.
    """
    stamp = str(Stamp(int((now or utc_now()).timestamp() * 1000), 0, "server"))
    with Session(engine) as session, session.begin():
        counter = session.scalar(select(Counter).where(Counter.name == "sync").with_for_update())
        assert counter is not None, "run the server migrations first"
        head = counter.value
        for spec in TABLES:
            table = spec.table
            missing = table.c.server_seq.is_(None)
            session.execute(update(table).where(table.c.hlc == "").values(hlc=stamp))
            if engine.dialect.name == "sqlite":
                top = (
                    session.scalar(select(func.max(literal_column("rowid"))).select_from(table))
                    or 0
                )
                session.execute(
                    update(table).where(missing).values(server_seq=literal_column("rowid") + head)
                )
                head += top
                continue
            ids = list(session.scalars(select(table.c.id).where(missing).order_by(table.c.id)))
            numbered = [{"row_id": row_id, "seq": head + n + 1} for n, row_id in enumerate(ids)]
            for start in range(0, len(numbered), 1000):
                session.execute(
                    update(table)
                    .where(table.c.id == bindparam("row_id"))
                    .values(server_seq=bindparam("seq")),
                    numbered[start : start + 1000],
                )
            head += len(ids)
        counter.value = head
        numbers = session.scalar(
            select(Counter).where(Counter.name == "lead_number").with_for_update()
        )
        assert numbers is not None
        numbers.value = max(numbers.value, session.scalar(select(func.max(Lead.number))) or 0)
        return head
