"""An expert's first download over several pages lists no ids of rows they may not see
(issue 14, class 10): a first download has nothing to remove."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from app.clock import utc_now
from app.domain.enums import CloseReason, LeadStatus
from app.persistence.models import Lead, Provider
from server.bootstrap import stamp_unsequenced
from sync.engine import ServerApi
from tests.contract_fixtures import add_provider
from tests.e2e.harness import Workstation


def test_a_first_download_over_several_pages_has_no_removes(live_server, tmp_path, monkeypatch):
    with live_server.sessions.begin() as session:
        providers = [add_provider(session, f"Artisan {n}", "75011", utc_now()) for n in range(5)]
    stamp_unsequenced(live_server.engine)

    pages: list[dict[str, Any]] = []
    original = ServerApi.pull

    async def recording(self, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        page = await original(self, *args, **kwargs)
        pages.append(page)
        return page

    monkeypatch.setattr(ServerApi, "pull", recording)
    station = Workstation(tmp_path / "expert.sqlite", live_server.url, "expert1", utc_now)
    station.pull_page = 20
    try:
        station.sync()
        assert len([p for p in pages if p["tables"]]) > 3  # several pages
        assert [p["removes"] for p in pages] == [[]] * len(pages)

        # Later pulls still hear of rows leaving the expert's scope.
        pages.clear()
        with live_server.sessions.begin() as session:
            provider = session.get(Provider, providers[0])
            provider.company_name, provider.server_seq = "Artisan renommé", None
        stamp_unsequenced(live_server.engine)
        station.sync()
        assert ["providers", str(providers[0])] in [r for p in pages for r in p["removes"]]
    finally:
        station.close()


def test_a_first_download_cut_off_and_resumed_still_has_no_removes(
    live_server, tmp_path, monkeypatch
):
    with live_server.sessions.begin() as session:
        for n in range(5):
            add_provider(session, f"Couvreur {n}", "75011", utc_now())
    stamp_unsequenced(live_server.engine)

    pages: list[dict[str, Any]] = []
    original = ServerApi.pull

    async def cut_after_two_pages(self, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        if len(pages) == 2:
            raise httpx.ConnectError("network down")
        page = await original(self, *args, **kwargs)
        pages.append(page)
        return page

    async def recording(self, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        page = await original(self, *args, **kwargs)
        pages.append(page)
        return page

    monkeypatch.setattr(ServerApi, "pull", cut_after_two_pages)
    station = Workstation(tmp_path / "expert.sqlite", live_server.url, "expert1", utc_now)
    station.pull_page = 20
    try:
        with pytest.raises(httpx.ConnectError):
            station.sync()
        assert station.store.cursor() > 0
        monkeypatch.setattr(ServerApi, "pull", recording)
        station.sync()  # the first download goes on where it stopped
        assert len(pages) > 4
        assert [p["removes"] for p in pages] == [[]] * len(pages)
        assert station.store.first_download_head() is None
    finally:
        station.close()


def test_a_row_sent_early_in_a_first_download_and_gone_out_of_scope_since_is_removed(
    live_server, tmp_path, monkeypatch
):
    with live_server.sessions.begin() as session:
        for n in range(5):
            add_provider(session, f"Plombier {n}", "75011", utc_now())
    stamp_unsequenced(live_server.engine)

    pages: list[dict[str, Any]] = []
    closed: list[str] = []
    original = ServerApi.pull

    async def closing_a_lead_received(self, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        page = await original(self, *args, **kwargs)
        pages.append(page)
        leads = [t for t in page["tables"] if t["name"] == "leads"]
        if leads and not closed and page["more"]:
            # Sold or closed by someone else while this first download runs.
            lead_id = leads[0]["rows"][0][leads[0]["columns"].index("id")]
            with live_server.sessions.begin() as session:
                lead = session.get(Lead, uuid.UUID(lead_id))
                lead.status, lead.close_reason = LeadStatus.CLOSED, CloseReason.DUPLICATE
                lead.server_seq = None
            stamp_unsequenced(live_server.engine)
            closed.append(lead_id)
        return page

    monkeypatch.setattr(ServerApi, "pull", closing_a_lead_received)
    station = Workstation(tmp_path / "expert.sqlite", live_server.url, "expert1", utc_now)
    station.pull_page = 20
    try:
        station.sync()
        assert closed
        assert station.get(Lead, uuid.UUID(closed[0])) is None
        assert [r for p in pages for r in p["removes"]] == [["leads", closed[0]]]
    finally:
        station.close()
