"""A demo clock: lets a demo run inside the legal calling hours whenever it is started."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.clock import Clock, utc_now
from app.domain.postcodes import zone_for_departement
from app.policy.calling_rules import DEFAULT_CALLING_RULES, next_calling_time
from ui.core.formatting import when


class ShiftedClock:
    """Real time moved by a fixed offset: it ticks like a normal clock."""

    def __init__(self, offset: timedelta, base: Clock = utc_now) -> None:
        self.offset = offset
        self._base = base

    def __call__(self) -> datetime:
        return self._base() + self.offset


def clock_in_calling_hours(base: Clock = utc_now) -> tuple[Clock, str]:
    """The real clock if Paris is inside calling hours now, else one moved to the next window.

    Returns the clock and a note for the status bar (empty for the real clock).
    """
    now = base()
    start = next_calling_time(now, zone_for_departement("75"), DEFAULT_CALLING_RULES)
    if start <= now:
        return base, ""
    shifted = ShiftedClock(start - now, base)
    return shifted, f"Horloge de démonstration : début à {when(start)}"
