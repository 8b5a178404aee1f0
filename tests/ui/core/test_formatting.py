"""Times shown in the office's zone whatever the workstation's zone."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ui.core import formatting


@pytest.fixture
def workstation_in_utc() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ")
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_a_utc_workstation_shows_paris_time(workstation_in_utc: None) -> None:
    at = datetime(2026, 12, 2, 7, 31, tzinfo=UTC)
    assert formatting.office_datetime(at) == "02/12/2026 08:31"
    assert formatting.office_date(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == "01/04/2026"
    assert formatting.office_datetime(None) == formatting.office_date(None) == ""
