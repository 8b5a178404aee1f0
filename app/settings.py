"""Named settings with the legal and business defaults, optionally overridden by a TOML file.

The file (settings.toml beside the workspace) only lists what differs from the defaults:

    [calling]                       # art. D.223-9 code de la consommation
    calling_weekdays = [1, 2, 3, 4, 5]          # ISO weekday numbers, Monday = 1
    calling_windows = [["10:00", "13:00"], ["14:00", "20:00"]]
    max_attempts_per_period = 4
    attempts_period_days = 30
    refusal_quiet_days = 60                     # counted from the day after the refusal
    consented_slot_tolerance_minutes = 30

    [office_hours]                  # calls to providers, in their zone's time
    calling_windows = [["09:00", "12:30"], ["14:00", "18:00"]]

    [demand]                        # the demand simulation
    interval_level = 0.8            # the forecast range covers this share of outcomes

    [dispatch]                      # selling leads (the server has its own, from the environment)
    max_providers_per_lead = 3      # a lead is shared with at most this many providers
    dispute_window_days = 30        # a provider may dispute a lead this long after the sale

    [dunning]                       # unpaid invoices (the server has its own suspension delay)
    reminder_days = [7, 21, 35]     # reminder levels 1, 2, 3: days after the due date
    late_penalty_percent = 12.15    # ECB refinancing rate + 10 points, as the terms say
    suspend_after_days = 45         # shown; CRM_DUNNING_SUSPEND_AFTER_DAYS rules on the server
    prenotice_days = 14             # SEPA pre-notification before a direct debit

    [company]                       # our company on contracts, invoices and debit files
    name = "Mise en Relation Travaux SAS"
    address = "12 rue de la Chaussée-d'Antin, 75009 Paris"
    share_capital_eur = 50000
    siren = "552100554"             # SIREN, SIRET, VAT, IBAN, BIC: checked by python-stdnum
    vat_number = "FR96552100554"
    sepa_creditor_id = "FR72ZZZ123456"  # ICS, check digits of ISO 7064
    bank_iban = "FR7630006000011234567890189"
    bank_bic = "AGRIFRPP"

    [queue]
    freshness_half_life_hours = 24
    reference_budget_eur = 15000
    min_value_factor = 0.5
    max_value_factor = 4.0
    retry_factor = 0.5
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from stdnum import bic as stdnum_bic
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import ValidationError as InvalidNumber
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from app.billing.dunning import DunningPolicy
from app.billing.sepa import check_creditor_id, check_sepa_iban
from app.demand.forecast import DemandPolicy
from app.dispatch.matching import DispatchPolicy
from app.domain.letterhead import Letterhead
from app.policy.calling_rules import CallingRules
from app.policy.office_hours import DEFAULT_OFFICE_HOURS
from app.policy.queue_rules import QueuePolicy

log = logging.getLogger(__name__)

DEMO_LETTERHEAD = Letterhead(
    name="Mise en Relation Travaux SAS",
    address="12 rue de la Chaussée-d'Antin, 75009 Paris",
    phone="01 84 60 12 00",
    email="partenaires@mise-en-relation-travaux.fr",
    legal_form="SAS",
    share_capital_cents=50_000_00,
    siren="552100554",
    rcs_city="Paris",
    vat_number="FR96552100554",
    siret="55210055401003",
    sepa_creditor_id="FR72ZZZ123456",
    bank_iban="FR7630006000011234567890189",
    bank_bic="AGRIFRPP",
)

SETTINGS_FILE_NAME = "settings.toml"


class InvalidSettings(ValueError):
    """The settings file cannot be used; the message is French, for the user."""


@dataclass(frozen=True)
class Settings:
    calling: CallingRules = field(default_factory=CallingRules)
    queue: QueuePolicy = field(default_factory=QueuePolicy)
    # Calls to providers (B2B): business hours of the provider's zone.
    office_hours: CallingRules = DEFAULT_OFFICE_HOURS
    demand: DemandPolicy = field(default_factory=DemandPolicy)
    dispatch: DispatchPolicy = field(default_factory=DispatchPolicy)
    dunning: DunningPolicy = field(default_factory=DunningPolicy)
    # Our company, at the top of documents sent to providers.
    letterhead: Letterhead = DEMO_LETTERHEAD


def _clock_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _calling_rules(values: dict[str, Any], base: CallingRules | None = None) -> CallingRules:
    base = base or CallingRules()
    known = {
        "calling_weekdays",
        "calling_windows",
        "max_attempts_per_period",
        "attempts_period_days",
        "refusal_quiet_days",
        "consented_slot_tolerance_minutes",
    }
    unknown = set(values) - known
    if unknown:
        raise InvalidSettings(f"Paramètres d'appel inconnus : {', '.join(sorted(unknown))}.")
    weekdays = values.get("calling_weekdays")
    windows = values.get("calling_windows")
    rules = CallingRules(
        calling_weekdays=(
            frozenset(int(day) - 1 for day in weekdays) if weekdays else base.calling_weekdays
        ),
        calling_windows=(
            tuple((_clock_time(a), _clock_time(b)) for a, b in windows)
            if windows
            else base.calling_windows
        ),
        max_attempts_per_period=int(
            values.get("max_attempts_per_period", base.max_attempts_per_period)
        ),
        attempts_period_days=int(values.get("attempts_period_days", base.attempts_period_days)),
        refusal_quiet_days=int(values.get("refusal_quiet_days", base.refusal_quiet_days)),
        consented_slot_tolerance=timedelta(
            minutes=int(
                values.get(
                    "consented_slot_tolerance_minutes",
                    base.consented_slot_tolerance.total_seconds() // 60,
                )
            )
        ),
    )
    if not rules.calling_weekdays <= set(range(7)) or not rules.calling_weekdays:
        raise InvalidSettings("calling_weekdays : des jours de 1 (lundi) à 7 (dimanche).")
    if any(start >= end for start, end in rules.calling_windows):
        raise InvalidSettings("calling_windows : chaque plage doit finir après son début.")
    if min(rules.max_attempts_per_period, rules.attempts_period_days) < 1:
        raise InvalidSettings("Le plafond d'appels et sa période doivent être positifs.")
    return rules


def _queue_policy(values: dict[str, Any]) -> QueuePolicy:
    budget = values.pop("reference_budget_eur", None)
    try:
        policy = QueuePolicy(
            **{k: float(v) for k, v in values.items()},
            **({"reference_budget_cents": int(budget) * 100} if budget is not None else {}),
        )
    except TypeError as exc:
        raise InvalidSettings(f"Paramètre de file inconnu : {exc}.") from exc
    if policy.freshness_half_life_hours <= 0 or policy.reference_budget_cents <= 0:
        raise InvalidSettings("La demi-vie et le budget de référence doivent être positifs.")
    return policy


def _demand_policy(values: dict[str, Any]) -> DemandPolicy:
    try:
        policy = DemandPolicy(**{k: type(getattr(DemandPolicy(), k))(v) for k, v in values.items()})
    except (TypeError, AttributeError) as exc:
        raise InvalidSettings(f"Paramètre de simulation inconnu : {exc}.") from exc
    if not 0 < policy.interval_level < 1:
        raise InvalidSettings("Niveau d'intervalle de la simulation entre 0 et 1.")
    return policy


def _dispatch_policy(values: dict[str, Any]) -> DispatchPolicy:
    try:
        policy = DispatchPolicy(**{k: int(v) for k, v in values.items()})
    except TypeError as exc:
        raise InvalidSettings(f"Paramètre de diffusion inconnu : {exc}.") from exc
    if min(policy.max_providers_per_lead, policy.dispute_window_days) < 1:
        raise InvalidSettings("Partage d'un lead et délai de contestation : au moins 1.")
    return policy


def _dunning_policy(values: dict[str, Any]) -> DunningPolicy:
    try:
        policy = DunningPolicy(
            **{
                name: tuple(int(v) for v in value)
                if name == "reminder_days"
                else Decimal(str(value))
                if name == "late_penalty_percent"
                else int(value)
                for name, value in values.items()
            }
        )
    except (TypeError, InvalidOperation) as exc:
        raise InvalidSettings(f"Paramètre de relance inconnu ou illisible : {exc}.") from exc
    if (
        list(policy.reminder_days) != sorted(set(policy.reminder_days))
        or min(policy.reminder_days, default=0) < 1
    ):
        raise InvalidSettings("Relances : des jours après l'échéance, croissants, dès 1.")
    if policy.late_penalty_percent < 0 or policy.suspend_after_days < 1:
        raise InvalidSettings("Relances : taux de pénalité positif, suspension dès 1 jour.")
    return policy


_COMPANY_TEXT = frozenset(
    {"name", "address", "phone", "email", "legal_form", "rcs_city", "late_penalty_rate"}
)


def _letterhead(values: dict[str, Any]) -> Letterhead:
    """Our company as documents print it; identifiers checked like the providers' ones."""
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key in _COMPANY_TEXT:
            changes[key] = str(value).strip()
        elif key == "share_capital_eur":
            changes["share_capital_cents"] = int(Decimal(str(value)) * 100)
        elif key == "vat_on_debits":
            changes[key] = bool(value)
        elif key in ("siren", "siret", "vat_number", "bank_iban", "bank_bic", "sepa_creditor_id"):
            changes[key] = _company_number(key, str(value))
        else:
            raise InvalidSettings(f"Paramètre de société inconnu : {key}.")
    return replace(DEMO_LETTERHEAD, **changes)


def _company_number(key: str, value: str) -> str:
    checks = {
        "siren": (stdnum_siren.validate, "SIREN"),
        "siret": (stdnum_siret.validate, "SIRET"),
        "vat_number": (stdnum_vat.validate, "numéro de TVA"),
        "bank_iban": (check_sepa_iban, "IBAN (de la zone SEPA)"),
        "bank_bic": (stdnum_bic.validate, "BIC"),
        "sepa_creditor_id": (check_creditor_id, "identifiant créancier SEPA (ICS)"),
    }
    check, label = checks[key]
    try:
        return str(check(value))
    except (InvalidNumber, ValueError):
        raise InvalidSettings(f"Société : {label} invalide ({value}).") from None


def load_settings(path: Path) -> Settings:
    """The defaults, with what the file at `path` overrides (no file: the defaults)."""
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        settings = Settings(
            calling=_calling_rules(dict(data.get("calling", {}))),
            queue=_queue_policy(dict(data.get("queue", {}))),
            office_hours=_calling_rules(
                dict(data.get("office_hours", {})), base=DEFAULT_OFFICE_HOURS
            ),
            demand=_demand_policy(dict(data.get("demand", {}))),
            dispatch=_dispatch_policy(dict(data.get("dispatch", {}))),
            dunning=_dunning_policy(dict(data.get("dunning", {}))),
            letterhead=_letterhead(dict(data.get("company", {}))),
        )
    except InvalidSettings:
        raise
    except (tomllib.TOMLDecodeError, ValueError, TypeError) as exc:
        raise InvalidSettings(f"Fichier de paramètres illisible ({path.name}) : {exc}") from exc
    if settings != Settings():
        log.warning("settings overridden by %s: %s", path, settings)
    return settings
