"""Invoice runs through the server's API on two workers: a preview, then two issuing runs
racing, numbered without gaps and each month invoiced once."""

from __future__ import annotations

import asyncio
import threading
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import paris_today, utc_now
from app.persistence.database import make_engine
from app.persistence.models import Invoice
from app.services.contracts.contract_queries import ContractQueries
from server.invoicing import issued_numbers
from sync.engine import ServerRefused
from tests.e2e.harness import PASSWORD, seed_month_sales


def _last_month() -> tuple[str, date]:
    first = paris_today(utc_now()).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return f"{previous:%Y-%m}", previous


def _token(server, username: str) -> str:  # type: ignore[no-untyped-def]
    answer = httpx.post(
        f"{server.url}/api/v1/auth/sign-in", json={"username": username, "password": PASSWORD}
    )
    return answer.json()["token"]


def test_preview_then_racing_runs_issue_each_invoice_once_without_gaps(server, workstation) -> None:  # type: ignore[no-untyped-def]
    label, month = _last_month()
    seed_month_sales(server.database_url, month)
    headers = {"Authorization": f"Bearer {_token(server, 'manager1')}"}
    url = f"{server.url}/api/v1/invoicing/runs"

    refused = httpx.post(url, json={"month": label}, headers={
        "Authorization": f"Bearer {_token(server, 'sales1')}"})  # fmt: skip
    assert refused.status_code == 403
    this_month = f"{paris_today(utc_now()):%Y-%m}"
    early = httpx.post(url, json={"month": this_month, "issue": True}, headers=headers)
    assert early.status_code == 422 and "pas terminé" in early.json()["detail"]

    preview = httpx.post(url, json={"month": label}, headers=headers, timeout=60).json()
    assert len(preview["invoices"]) == 6
    assert all(row["number"] is None for row in preview["invoices"])
    assert preview["invoices"][0]["vat_cents"] * 5 == preview["invoices"][0]["net_cents"]

    answers: list[httpx.Response] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        answers.append(
            httpx.post(url, json={"month": label, "issue": True}, headers=headers, timeout=120)
        )

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    numbers = [sorted(r["number"] for r in a.json()["invoices"]) for a in answers]
    assert numbers[0] == numbers[1]  # both runs report the same six invoices

    engine = make_engine(server.database_url)
    with Session(engine) as session:
        assert issued_numbers(session) == [1, 2, 3, 4, 5, 6]
        invoices = session.scalars(select(Invoice)).all()
        assert len(invoices) == 6
    engine.dispose()

    # The managers' screen asks through the workstation's API: issued numbers come back, and a
    # month not yet over is refused with the server's French reason.
    manager = workstation("manager1")
    again = asyncio.run(manager._run(lambda engine: engine.api.invoice_run(label, True)))
    assert sorted(r["number"] for r in again["invoices"]) == numbers[0]
    with pytest.raises(ServerRefused, match="pas terminé"):
        asyncio.run(manager._run(lambda engine: engine.api.invoice_run(this_month, True)))

    # The rep's workstation receives the issued invoices with the next sync.
    rep = workstation("sales1")
    rep.sync()
    mine = ContractQueries(rep.sessions).invoices_of(invoices[0].provider_id)
    assert [row.number for row in mine] == [invoices[0].number]
