"""The back office's month end on a real server: a mandate recorded on a workstation, last
month's invoices issued, the direct-debit run and its pain.008 file, the bank's reject recorded
offline and synced, and the invoice in the dunning list."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.billing.dunning import DunningPolicy
from app.billing.ledger import PaymentKind
from app.billing.sepa import MandateInput, MandateKind, next_settlement_day, pain008
from app.clock import paris_today, utc_now
from app.persistence.database import make_engine
from app.persistence.models import Payment, Provider
from app.services.auth import StaffMember
from app.services.billing.collection import CollectionService
from app.services.billing.collection_queries import CollectionQueries
from app.settings import Settings
from sync.engine import ServerRefused
from tests.conftest import FakeClock
from tests.e2e.harness import seed_month_sales
from ui.billing.debit_tab import creditor_of, lines_of


def _last_month() -> tuple[str, date]:
    first = paris_today(utc_now()).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return f"{previous:%Y-%m}", previous


def test_issue_debit_reject_and_dunning(server, workstation) -> None:  # type: ignore[no-untyped-def]
    label, month = _last_month()
    seed_month_sales(server.database_url, month, providers=3)
    engine = make_engine(server.database_url)
    with Session(engine) as session:
        first = session.scalars(select(Provider).where(Provider.company_name == "Client 0")).one()
    engine.dispose()

    # The rep records the provider's signed mandate on a workstation; it syncs to the server.
    rep = workstation("sales1")
    rep.sync()
    staff = StaffMember(rep.user_id, "sales1", "Sales1", "sales")  # type: ignore[arg-type]
    CollectionService(rep.sessions, rep.wall, staff).add_mandate(
        first.id,
        MandateInput(
            "RUM-CLIENT-0",
            "Client 0",
            "FR76 3000 4000 0312 3456 7890 143",
            "",
            MandateKind.RECURRENT,
            paris_today(utc_now()) - timedelta(days=30),
        ),
    )
    rep.sync()
    assert rep.waiting() == 0

    manager = workstation("manager1")
    issued = asyncio.run(manager._run(lambda e: e.api.invoice_run(label, True)))
    assert len(issued["invoices"]) == 3
    no_mandate = [r for r in issued["invoices"] if "Mandat SEPA manquant" in r["anomalies"]]
    assert len(no_mandate) == 2

    # Invoices fall due in 30 days: the debit is run for the first settlement day after.
    collection = next_settlement_day(paris_today(utc_now()) + timedelta(days=30))
    answer = asyncio.run(manager._run(lambda e: e.api.debit_run(collection.isoformat())))
    assert [line["rum"] for line in answer["lines"]] == ["RUM-CLIENT-0"]
    assert answer["lines"][0]["sequence_type"] == "FRST"
    assert {s["reason"] for s in answer["skipped"]} == {"pas de mandat SEPA utilisable"}
    xml = pain008(
        creditor_of(Settings().letterhead), answer["message_id"], collection, lines_of(answer)
    )
    assert answer["message_id"].encode() in xml
    again = asyncio.run(manager._run(lambda e: e.api.debit_run(collection.isoformat())))
    assert again["lines"] == []  # debited once

    # A partial credit note through the workstation's API, then one too large, refused.
    other = next(r for r in issued["invoices"] if r["company_name"] == "Client 2")
    note = asyncio.run(
        manager._run(lambda e: e.api.credit_note(other["invoice_id"], "Geste commercial", 500))
    )
    assert note["gross_cents"] == -600
    with pytest.raises(ServerRefused, match="reste à créditer"):
        asyncio.run(
            manager._run(
                lambda e: e.api.credit_note(other["invoice_id"], "Trop", other["net_cents"])
            )
        )

    refused = httpx.post(
        f"{server.url}/api/v1/collection/debit-runs",
        json={"collection_date": collection.isoformat()},
        headers={"Authorization": f"Bearer {rep.token}"},
    )
    assert refused.status_code == 403

    # Three days after the collection, the bank returns the debit; the manager records it.
    later = FakeClock(
        utc_now().replace(year=collection.year, month=collection.month, day=collection.day)
        + timedelta(days=3)
    )
    manager.sync()
    queries = CollectionQueries(manager.sessions)
    [debit] = queries.debits(collection)
    assert debit.buyer_name == "Client 0" and debit.rejected_code is None
    today = paris_today(later())
    assert [r.receivable.buyer_name for r in queries.dunning(today, DunningPolicy())] == [
        "Client 1",
        "Client 2",
    ]
    boss = StaffMember(manager.user_id, "manager1", "Manager1", "manager")  # type: ignore[arg-type]
    CollectionService(manager.sessions, later, boss).record_reject(debit.payment_id, "AM04", today)
    manager.sync()
    assert manager.waiting() == 0
    engine = make_engine(server.database_url)
    with Session(engine) as session:
        reject = session.scalars(select(Payment).where(Payment.kind == PaymentKind.REJECT)).one()
        assert reject.amount_cents == -debit.amount_cents and reject.server_seq is not None
    engine.dispose()
    dunning = queries.dunning(today, DunningPolicy())
    assert [r.receivable.buyer_name for r in dunning] == ["Client 0", "Client 1", "Client 2"]
    assert dunning[0].rejected and dunning[0].status.indemnity_cents == 4_000

    # The rep's workstation receives the reject too.
    rep.sync()
    assert CollectionQueries(rep.sessions).debits(collection)[0].rejected_code == "AM04"
