"""The forecast must find a known seasonality, trend and spread; no history, no forecast."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime

import pytest

from app.demand.forecast import (
    ContactRateSource,
    DemandHistory,
    DemandPolicy,
    NoDemandHistory,
    SeasonalitySource,
    contact_rate,
    forecast_demand,
    history_months,
    provider_share,
)
from app.demand.simulation import SimulationRequest, simulate
from app.domain.errors import FieldErrors

TRUE_PROFILE = (1.40, 1.10, 1.05, 1.00, 0.95, 0.90, 0.70, 0.60, 1.35, 1.10, 0.95, 0.90)
MONTHS = history_months(date(2026, 11, 28), 24)


def _history(counts: list[int], **overrides: int) -> DemandHistory:
    values = {
        "called_leads": 200,
        "reached_leads": 130,
        "reference_called_leads": 5000,
        "reference_reached_leads": 3000,
        "competing_providers": 0,
    }
    values.update(overrides)
    return DemandHistory(MONTHS, tuple(counts), tuple(c * 20 for c in counts), **values)


def _series(
    level: float, yearly_growth: float = 1.0, noise: random.Random | None = None
) -> list[int]:
    monthly = yearly_growth ** (1 / 12)
    counts = []
    for i, month in enumerate(MONTHS):
        mean = (
            level * monthly ** (i - 17.5) * TRUE_PROFILE[month.month - 1] / (sum(TRUE_PROFILE) / 12)
        )
        if noise is None:
            counts.append(round(mean))
        else:
            # Poisson draw by inversion: counts of leads are counts.
            limit, k, p = math.exp(-mean), 0, noise.random()
            cumulative = term = limit
            while p > cumulative:
                k += 1
                term *= mean / k
                cumulative += term
            counts.append(k)
    return counts


def test_history_months_are_the_24_complete_months_before_today() -> None:
    assert MONTHS[0] == date(2024, 11, 1)
    assert MONTHS[-1] == date(2026, 10, 1)
    assert len(MONTHS) == 24


def test_finds_an_exact_seasonal_profile_and_flat_trend() -> None:
    forecast = forecast_demand(_history(_series(1000)), DemandPolicy())
    truth = [v / (sum(TRUE_PROFILE) / 12) for v in TRUE_PROFILE]
    for found, expected in zip(forecast.seasonal_index, truth, strict=True):
        assert found == pytest.approx(expected, abs=0.002)
    assert forecast.seasonality_source is SeasonalitySource.ZONE
    assert forecast.yearly_trend == pytest.approx(1.0, abs=0.002)
    # The next 12 months start in November 2026 and repeat the profile at the same level.
    assert forecast.months[0].month == date(2026, 11, 1)
    january = next(m for m in forecast.months if m.month.month == 1)
    august = next(m for m in forecast.months if m.month.month == 8)
    assert january.expected == pytest.approx(1000 * truth[0], rel=0.01)
    assert august.expected == pytest.approx(1000 * truth[7], rel=0.01)


def test_finds_seasonality_and_growth_through_poisson_noise() -> None:
    counts = _series(400, yearly_growth=1.2, noise=random.Random(7))
    forecast = forecast_demand(_history(counts), DemandPolicy())
    truth = [v / (sum(TRUE_PROFILE) / 12) for v in TRUE_PROFILE]
    for found, expected in zip(forecast.seasonal_index, truth, strict=True):
        assert found == pytest.approx(expected, rel=0.15)
    assert forecast.yearly_trend == pytest.approx(1.2, abs=0.08)
    peak = max(forecast.months, key=lambda m: m.expected)
    trough = min(forecast.months, key=lambda m: m.expected)
    assert peak.month.month in (1, 9)
    assert trough.month.month == 8
    for month in forecast.months:
        assert month.low < month.expected < month.high


def test_small_zone_borrows_the_national_profile() -> None:
    counts = [2, 1, 0, 1, 0, 1, 0, 0, 2, 1, 0, 1] * 2
    history = DemandHistory(
        MONTHS, tuple(counts), tuple(_series(1000)), 3, 2, 5000, 3000, competing_providers=0
    )
    forecast = forecast_demand(history, DemandPolicy())
    assert forecast.seasonality_source is SeasonalitySource.NATIONAL
    assert forecast.seasonal_index[0] > forecast.seasonal_index[7]
    # Few leads: the range is at least the counting noise.
    assert forecast.months[0].high / forecast.months[0].expected > 1.5
    rate = contact_rate(history, DemandPolicy())
    assert rate.source is ContactRateSource.NATIONAL
    assert rate.rate == pytest.approx(0.6)


def test_no_history_says_so_instead_of_forecasting_zeros() -> None:
    with pytest.raises(NoDemandHistory, match="Aucune demande"):
        forecast_demand(_history([0] * 24), DemandPolicy())


def test_provider_share_follows_the_sharing_level() -> None:
    assert provider_share(0, 3) == 1.0
    assert provider_share(2, 3) == 1.0
    assert provider_share(5, 3) == pytest.approx(0.5)


def test_simulation_costs_in_cents() -> None:
    history = _history(_series(100), competing_providers=5)  # share 3 / 6 = 50 %
    request = SimulationRequest(("Cuisine",), ("75",), 2500, 25)
    result = simulate(request, history, DemandPolicy(), datetime(2026, 11, 28, tzinfo=UTC), 3)
    assert result.share == pytest.approx(0.5)
    assert result.monthly_provider_leads == pytest.approx(50, rel=0.02)
    assert result.monthly_cost_cents == pytest.approx(50 * 2500, rel=0.02)
    assert isinstance(result.monthly_cost_cents, int)
    # 130 / 200 answered: 25 € / (0.65 x 0.25) = 153.85 €
    assert result.cost_per_job_cents == 15385
    assert "24 derniers mois" in result.method


def test_bad_price_or_closing_rate_is_a_field_error() -> None:
    with pytest.raises(FieldErrors) as error:
        simulate(
            SimulationRequest(("Cuisine",), ("75",), 0, 0),
            _history(_series(100)),
            DemandPolicy(),
            datetime(2026, 11, 28, tzinfo=UTC),
            3,
        )
    assert set(error.value.errors) == {"price", "closing_rate"}


def test_the_pdf_carries_the_figures_the_method_and_the_date(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from app.reports.simulation_pdf import write_simulation_pdf
    from app.settings import Settings
    from tests.pdf_checks import fonts_not_embedded

    history = _history(_series(100), competing_providers=5)
    request = SimulationRequest(("Cuisine sur mesure",), ("75 – Paris",), 2500, 25)
    result = simulate(request, history, DemandPolicy(), datetime(2026, 11, 28, 10, tzinfo=UTC), 3)
    path = write_simulation_pdf(
        result, "SARL Dupont & Fils", Settings().letterhead, tmp_path / "simulation.pdf"
    )
    text = " ".join(page.extract_text() for page in PdfReader(path).pages).replace("\u202f", " ")
    text = text.replace("\xa0", " ")
    assert "■" not in text
    assert fonts_not_embedded(path) == set()
    for expected in (
        "SARL Dupont & Fils",
        "28 novembre 2026",
        "Cuisine sur mesure",
        "75 – Paris",
        "Méthode",
        "1 250 €",  # 50 leads a month x 25 €
        "154 €",  # cost per signed job
        "50 %",  # share
        "65 %",  # contact rate
        Settings().letterhead.name,
    ):
        assert expected in text, expected


def test_each_cost_is_the_whole_number_of_leads_shown_times_the_price() -> None:
    # 7 competitors: share 3 / 8 = 37.5 %, so the expected counts are never whole numbers.
    history = _history(_series(37, noise=random.Random(3)), competing_providers=7)
    request = SimulationRequest(("Cuisine",), ("75",), 2500, 25)
    result = simulate(request, history, DemandPolicy(), datetime(2026, 11, 28, tzinfo=UTC), 3)
    for month in result.months:
        assert isinstance(month.provider_leads, int)
        assert month.cost_cents == month.provider_leads * 2500
    monthly = result.monthly_provider_leads
    assert isinstance(monthly, int)
    assert monthly == round(sum(m.provider_leads for m in result.months) / len(result.months))
    assert result.monthly_cost_cents == monthly * 2500
    assert result.yearly_cost_cents == sum(m.cost_cents for m in result.months)
    assert "nombre entier" in result.method
