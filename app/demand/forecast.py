"""The demand simulation's maths: a seasonal forecast with a range, and what it means for one
provider (share of the leads, contacts, cost). Pure functions on plain data.

Method (said as such on the screen and in the PDF, see `METHOD_TEXT`):
1. Seasonal profile: each month's share of its own 12-month year, averaged over the two years
   of history for each calendar month, normalised to a mean of 1. Taken from the selected zone
   when it has enough leads, else from the same categories nationwide (a small zone's months
   are mostly noise).
2. Trend: the ratio of the last 12 months to the 12 before, as a monthly growth rate, bounded
   to [0.5, 2] a year so that a short-lived jump is not extrapolated for a year.
3. Forecast for month t: level of the last 12 months x growth^(months since their middle) x
   seasonal index of t's calendar month.
4. Range: the history's spread around the same fitted curve (standard deviation of the log
   ratio actual / fitted), at the configured level (80 % by default), never narrower than the
   Poisson noise of a count of that size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from statistics import NormalDist

MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class DemandPolicy:
    history_months: int = 24
    horizon_months: int = 12
    interval_level: float = 0.8
    # Below this many leads in the history, the zone's own months are too noisy for a profile.
    min_leads_for_own_seasonality: int = 240
    # Below this many called leads, the contact rate is taken from the categories nationwide.
    min_called_leads: int = 30
    max_yearly_trend: float = 2.0


class SeasonalitySource(StrEnum):
    ZONE = "zone"
    NATIONAL = "national"
    FLAT = "flat"


SEASONALITY_SOURCE_LABELS = {
    SeasonalitySource.ZONE: "profil saisonnier de la zone",
    SeasonalitySource.NATIONAL: "profil saisonnier national des mêmes catégories",
    SeasonalitySource.FLAT: "pas de saisonnalité mesurable",
}


class NoDemandHistory(Exception):
    """Nothing was received in the selection: no forecast is possible. French message."""


@dataclass(frozen=True)
class DemandHistory:
    """What the simulation reads from the leads and calls (local database or server)."""

    months: tuple[date, ...]  # first day of each month, oldest first
    counts: tuple[int, ...]  # leads of the selection (categories x zones) per month
    reference_counts: tuple[int, ...]  # leads of the same categories, every zone
    called_leads: int  # leads of the selection that we called at least once
    reached_leads: int  # ... whose consumer answered at least once
    reference_called_leads: int
    reference_reached_leads: int
    competing_providers: int  # providers with an active contract on these categories and zones


@dataclass(frozen=True)
class ForecastMonth:
    month: date
    expected: float
    low: float
    high: float


@dataclass(frozen=True)
class Forecast:
    months: tuple[ForecastMonth, ...]
    seasonal_index: tuple[float, ...]  # January .. December, mean 1
    seasonality_source: SeasonalitySource
    yearly_trend: float
    spread: float  # standard deviation of log(actual / fitted) over the history


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def history_months(as_of: date, count: int) -> tuple[date, ...]:
    """The `count` complete months before the month of `as_of`, oldest first."""
    current = date(as_of.year, as_of.month, 1)
    return tuple(add_months(current, offset) for offset in range(-count, 0))


def seasonal_profile(months: tuple[date, ...], counts: tuple[int, ...]) -> tuple[float, ...]:
    """Index per calendar month (January first), mean 1; flat where a month has no data."""
    ratios: list[list[float]] = [[] for _ in range(MONTHS_PER_YEAR)]
    for start in range(0, len(counts) - MONTHS_PER_YEAR + 1, MONTHS_PER_YEAR):
        year = counts[start : start + MONTHS_PER_YEAR]
        mean = sum(year) / MONTHS_PER_YEAR
        if mean <= 0:
            continue
        for offset, value in enumerate(year):
            ratios[months[start + offset].month - 1].append(value / mean)
    index = [sum(r) / len(r) if r else 1.0 for r in ratios]
    scale = sum(index) / MONTHS_PER_YEAR
    return tuple(value / scale for value in index) if scale > 0 else (1.0,) * MONTHS_PER_YEAR


def forecast_demand(history: DemandHistory, policy: DemandPolicy) -> Forecast:
    counts = history.counts
    total = sum(counts)
    if total == 0:
        raise NoDemandHistory(
            f"Aucune demande reçue ces {len(counts)} derniers mois pour ces catégories dans "
            "cette zone : pas de prévision possible. Élargissez la zone ou les catégories."
        )
    n = len(counts)
    if total >= policy.min_leads_for_own_seasonality:
        source = SeasonalitySource.ZONE
        index = seasonal_profile(history.months, counts)
    elif sum(history.reference_counts) >= policy.min_leads_for_own_seasonality:
        source = SeasonalitySource.NATIONAL
        index = seasonal_profile(history.months, history.reference_counts)
    else:
        source = SeasonalitySource.FLAT
        index = (1.0,) * MONTHS_PER_YEAR

    last_year = counts[-MONTHS_PER_YEAR:]
    year_before = counts[-2 * MONTHS_PER_YEAR : -MONTHS_PER_YEAR]
    bound = policy.max_yearly_trend
    yearly = sum(last_year) / sum(year_before) if sum(year_before) > 0 else 1.0
    yearly = min(bound, max(1 / bound, yearly))
    growth = yearly ** (1 / MONTHS_PER_YEAR)
    level = sum(last_year) / len(last_year)
    middle = n - (len(last_year) + 1) / 2  # index of the middle of the last 12 months

    def fitted(position: int, month: date) -> float:
        return level * growth ** (position - middle) * index[month.month - 1]

    logs = [
        math.log((actual + 0.5) / (fitted(i, m) + 0.5))
        for i, (m, actual) in enumerate(zip(history.months, counts, strict=True))
    ]
    spread = math.sqrt(sum(e * e for e in logs) / max(1, len(logs) - 1))
    z = NormalDist().inv_cdf(0.5 + policy.interval_level / 2)

    months = []
    first = add_months(history.months[-1], 1)
    for step in range(policy.horizon_months):
        month = add_months(first, step)
        expected = fitted(n + step, month)
        sigma = max(spread, 1 / math.sqrt(max(expected, 1.0)))
        months.append(
            ForecastMonth(
                month, expected, expected * math.exp(-z * sigma), expected * math.exp(z * sigma)
            )
        )
    return Forecast(tuple(months), index, source, yearly, spread)


class ContactRateSource(StrEnum):
    ZONE = "zone"
    NATIONAL = "national"
    NONE = "none"


@dataclass(frozen=True)
class ContactRate:
    rate: float | None
    source: ContactRateSource
    called_leads: int


def contact_rate(history: DemandHistory, policy: DemandPolicy) -> ContactRate:
    """Share of called consumers who answered, from our own call history."""
    if history.called_leads >= policy.min_called_leads:
        return ContactRate(
            history.reached_leads / history.called_leads,
            ContactRateSource.ZONE,
            history.called_leads,
        )
    if history.reference_called_leads >= policy.min_called_leads:
        return ContactRate(
            history.reference_reached_leads / history.reference_called_leads,
            ContactRateSource.NATIONAL,
            history.reference_called_leads,
        )
    return ContactRate(None, ContactRateSource.NONE, history.called_leads)


def provider_share(competing_providers: int, max_providers: int) -> float:
    """Expected share of the selection's leads one more provider would receive.

    Each lead goes to at most N providers; with k providers already covering the selection,
    a new one is among the N in min(1, N / (k + 1)) of the leads.
    """
    return min(1.0, max_providers / (competing_providers + 1))
