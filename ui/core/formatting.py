"""French display of dates, durations, amounts and call decisions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from app.domain.contact import format_phone_national
from app.domain.money import format_euros
from app.policy.calling_rules import CALL_BLOCK_LABELS, CallDecision

# The office's zone: where the staff's own clocks are.
OFFICE_TZ = ZoneInfo("Europe/Paris")

__all__ = ["format_euros", "format_phone_national"]


def when(at: datetime | None, tz: ZoneInfo = OFFICE_TZ) -> str:
    if at is None:
        return "—"
    return format_datetime(at.astimezone(tz), "EEE dd/MM/yyyy HH:mm", locale="fr_FR")


def office_datetime(at: datetime | None) -> str:
    """Day and time in the office's zone (Paris), whatever the workstation's zone."""
    return at.astimezone(OFFICE_TZ).strftime("%d/%m/%Y %H:%M") if at is not None else ""


def office_date(at: datetime | None) -> str:
    """The day in the office's zone (Paris): 23:30 UTC on 31 March is 1 April in Paris."""
    return at.astimezone(OFFICE_TZ).strftime("%d/%m/%Y") if at is not None else ""


def short_when(at: datetime, now: datetime, tz: ZoneInfo = OFFICE_TZ) -> str:
    local, today = at.astimezone(tz), now.astimezone(tz)
    if local.date() == today.date():
        return format_datetime(local, "'auj.' HH:mm", locale="fr_FR")
    if local.date() == (today + timedelta(days=1)).date():
        return format_datetime(local, "'demain' HH:mm", locale="fr_FR")
    return format_datetime(local, "EEE dd/MM HH:mm", locale="fr_FR")


def age(since: datetime, now: datetime) -> str:
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} j"


def duration(seconds: int) -> str:
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def same_clock_as_paris(at: datetime, tz: ZoneInfo) -> bool:
    return at.astimezone(tz).utcoffset() == at.astimezone(OFFICE_TZ).utcoffset()


def when_in_both_zones(at: datetime | None, tz: ZoneInfo) -> str:
    """A consumer's time, labelled: in their zone and in Paris when the two differ."""
    if at is None:
        return "—"
    if same_clock_as_paris(at, tz):
        return f"{when(at)} (heure de Paris)"
    return f"{when(at, tz)} heure du consommateur ({tz.key}), soit {when(at)} heure de Paris"


def zone_note(at: datetime, tz: ZoneInfo | None) -> str:
    """ " Paris (HH:MM loc.)" after a Paris time when the consumer's clock differs, else ""."""
    if tz is None or same_clock_as_paris(at, tz):
        return ""
    return f" Paris ({at.astimezone(tz):%H:%M} loc.)"


def call_decision(decision: CallDecision | None, now: datetime, tz: ZoneInfo | None = None) -> str:
    """Short form for the queue; the time is Paris time, with the consumer's own clock beside
    it when their zone differs (`tz`)."""
    if decision is None:
        return ""
    if decision.allowed:
        return "Maintenant (rappel convenu)" if decision.by_consent else "Maintenant"
    reason = CALL_BLOCK_LABELS[decision.block] if decision.block else ""
    if decision.next_allowed_at is None:
        return f"Jamais – {reason}"
    at = decision.next_allowed_at
    return f"{short_when(at, now)}{zone_note(at, tz)} – {reason}"


def clock_time(at: datetime, tz: ZoneInfo = OFFICE_TZ) -> str:
    return at.astimezone(tz).strftime("%H:%M:%S")
