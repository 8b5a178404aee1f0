"""One demand simulation for a prospect: the forecast, their share, contacts and costs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from babel.numbers import format_percent

from app.demand.forecast import (
    SEASONALITY_SOURCE_LABELS,
    ContactRate,
    ContactRateSource,
    DemandHistory,
    DemandPolicy,
    Forecast,
    contact_rate,
    forecast_demand,
    provider_share,
)
from app.domain.errors import FieldErrors

METHOD_TEXT = (
    "Historique : demandes reçues chaque mois sur les 24 derniers mois complets, pour les "
    "catégories et la zone choisies. Prévision : niveau moyen des 12 derniers mois × tendance "
    "(rapport des 12 derniers mois aux 12 précédents, bornée entre ×0,5 et ×2 par an) × indice "
    "saisonnier du mois (part de chaque mois dans son année, moyenne des deux années). "
    "Fourchette : dispersion de l'historique autour de cette courbe, au niveau de confiance "
    "indiqué, jamais plus étroite que le bruit de comptage. Part du prestataire : un lead est "
    "transmis à {max_share} prestataires au plus ; avec {competitors} prestataire(s) déjà "
    "sous contrat actif sur ces catégories et cette zone, vous en recevriez {share}. Taux de "
    "contact : part des consommateurs rappelés par nos équipes qui ont répondu ({rate_source}). "
    "Demandes pour vous : un nombre entier de leads par mois (prévision × part, arrondie), "
    "et chaque coût est ce nombre × le prix par lead ; la moyenne mensuelle est la moyenne "
    "des 12 mois, arrondie de même. "
    "Coût par chantier signé : prix par lead ÷ (taux de contact × votre taux de signature)."
)

RATE_SOURCE_LABELS = {
    ContactRateSource.ZONE: "historique d'appels de la zone",
    ContactRateSource.NATIONAL: (
        "historique national des mêmes catégories, la zone en ayant trop peu"
    ),
    ContactRateSource.NONE: "pas assez d'appels pour l'estimer",
}


@dataclass(frozen=True)
class SimulationRequest:
    category_names: tuple[str, ...]
    zone_labels: tuple[str, ...]
    price_per_lead_cents: int
    closing_rate_percent: int  # the provider's own: signed jobs per 100 consumers reached


@dataclass(frozen=True)
class SimulationMonth:
    """Leads are billed whole: the provider's count is rounded and its cost is that count
    times the price, so the figures shown side by side agree."""

    month: date
    market_leads: float
    provider_leads: int
    provider_low: float
    provider_high: float
    cost_cents: int


@dataclass(frozen=True)
class Simulation:
    request: SimulationRequest
    history: DemandHistory
    forecast: Forecast
    share: float
    contact: ContactRate
    months: tuple[SimulationMonth, ...]
    interval_level: float
    max_providers_per_lead: int
    made_at: datetime

    @property
    def yearly_provider_leads(self) -> int:
        return sum(m.provider_leads for m in self.months)

    @property
    def monthly_provider_leads(self) -> int:
        """The monthly average, whole like each month's count."""
        return round(self.yearly_provider_leads / len(self.months))

    @property
    def monthly_cost_cents(self) -> int:
        """The cost of the average month's leads, as printed beside it."""
        return self.monthly_provider_leads * self.request.price_per_lead_cents

    @property
    def yearly_cost_cents(self) -> int:
        return sum(m.cost_cents for m in self.months)

    @property
    def monthly_contacts(self) -> float | None:
        rate = self.contact.rate
        return None if rate is None else self.monthly_provider_leads * rate

    @property
    def monthly_jobs(self) -> float | None:
        contacts = self.monthly_contacts
        return None if contacts is None else contacts * self.request.closing_rate_percent / 100

    @property
    def cost_per_job_cents(self) -> int | None:
        rate = self.contact.rate
        closing = self.request.closing_rate_percent / 100
        if rate is None or rate == 0 or closing == 0:
            return None
        return round(self.request.price_per_lead_cents / (rate * closing))

    @property
    def history_total(self) -> int:
        return sum(self.history.counts)

    @property
    def method(self) -> str:
        seasonality = SEASONALITY_SOURCE_LABELS[self.forecast.seasonality_source]
        return (
            METHOD_TEXT.format(
                max_share=self.max_providers_per_lead,
                competitors=self.history.competing_providers,
                share=format_percent(self.share, locale="fr_FR"),
                rate_source=RATE_SOURCE_LABELS[self.contact.source],
            )
            + f" Saisonnalité utilisée : {seasonality}."
        )


def check_request(price_per_lead_cents: int | None, closing_rate_percent: int | None) -> None:
    errors = {}
    if price_per_lead_cents is None or price_per_lead_cents <= 0:
        errors["price"] = "Indiquez un prix par lead supérieur à 0 €."
    if closing_rate_percent is None or not 1 <= closing_rate_percent <= 100:
        errors["closing_rate"] = "Le taux de signature est un pourcentage entre 1 et 100."
    if errors:
        raise FieldErrors(errors)


def simulate(
    request: SimulationRequest,
    history: DemandHistory,
    policy: DemandPolicy,
    now: datetime,
    max_providers: int,
) -> Simulation:
    """Raises NoDemandHistory when the selection received nothing (no zeros as a forecast).

    `max_providers` is the dispatch's sharing limit (DispatchPolicy.max_providers_per_lead).
    """
    check_request(request.price_per_lead_cents, request.closing_rate_percent)
    forecast = forecast_demand(history, policy)
    share = provider_share(history.competing_providers, max_providers)
    months = []
    for m in forecast.months:
        leads = round(m.expected * share)
        months.append(
            SimulationMonth(
                m.month,
                m.expected,
                leads,
                m.low * share,
                m.high * share,
                leads * request.price_per_lead_cents,
            )
        )
    return Simulation(
        request,
        history,
        forecast,
        share,
        contact_rate(history, policy),
        tuple(months),
        policy.interval_level,
        max_providers,
        now,
    )
