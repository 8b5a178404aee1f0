"""The time source. Services take a clock so tests and the UI can move time forward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]

# Contract dates, monthly caps and invoices follow the company's calendar.
BUSINESS_ZONE = ZoneInfo("Europe/Paris")


def utc_now() -> datetime:
    return datetime.now(UTC)


def paris_today(now: datetime) -> date:
    return now.astimezone(BUSINESS_ZONE).date()


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of `month`'s calendar month in Paris and of the next one, in UTC."""
    first = month.replace(day=1)
    following = first_of_next_month(first)
    return (
        datetime.combine(first, time(0), BUSINESS_ZONE).astimezone(UTC),
        datetime.combine(following, time(0), BUSINESS_ZONE).astimezone(UTC),
    )


def month_start(now: datetime) -> datetime:
    """The first instant of `now`'s calendar month in Paris, in UTC."""
    return month_bounds(paris_today(now))[0]


def first_of_next_month(day: date) -> date:
    """The first day of the calendar month after `day`'s (contract starts, invoice periods)."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
