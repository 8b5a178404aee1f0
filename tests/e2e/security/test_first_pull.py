"""An expert's first download over several pages lists no ids of rows they may not see
(issue 14, class 10): a first download has nothing to remove."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.clock import utc_now
from app.persistence.models import Provider
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
        assert not station.store.first_download()
    finally:
        station.close()
