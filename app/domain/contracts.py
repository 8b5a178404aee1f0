"""Provider contracts: life cycle, terms, their validation and the diff between two versions.

A contract is a sequence of versions. The first version and every amendment start as drafts;
once signed a version is frozen, and changing the terms means writing an amendment (a new
version with its own dates). Activation, suspension and termination are server commands
(ARCHITECTURE: operations that must not be done twice or offline).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from enum import StrEnum

from app.domain.errors import FieldErrors
from app.domain.mandate_reference import RUM_FORMAT, valid_rum
from app.domain.money import format_euros
from app.domain.zones import ZoneInput, check_zones


class ContractStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    SIGNED = "signed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


STATUS_LABELS = {
    ContractStatus.DRAFT: "Brouillon",
    ContractStatus.SENT: "Envoyé au prestataire",
    ContractStatus.SIGNED: "Signé",
    ContractStatus.ACTIVE: "Actif",
    ContractStatus.SUSPENDED: "Suspendu",
    ContractStatus.TERMINATED: "Résilié",
}

# Steps a workstation records itself (they sync as edits): preparing and signing the paper.
CLIENT_STEPS: dict[ContractStatus, frozenset[ContractStatus]] = {
    ContractStatus.DRAFT: frozenset({ContractStatus.SENT}),
    ContractStatus.SENT: frozenset({ContractStatus.SIGNED, ContractStatus.DRAFT}),
}
FROZEN = frozenset(set(ContractStatus) - {ContractStatus.DRAFT})


class RequestKind(StrEnum):
    ACTIVATE = "activate"
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"


REQUEST_LABELS = {
    RequestKind.ACTIVATE: "Activation",
    RequestKind.SUSPEND: "Suspension",
    RequestKind.RESUME: "Reprise",
    RequestKind.TERMINATE: "Résiliation",
}

# What each server command needs the version to be in, and what it makes it.
REQUEST_STEPS: dict[RequestKind, tuple[frozenset[ContractStatus], ContractStatus]] = {
    RequestKind.ACTIVATE: (frozenset({ContractStatus.SIGNED}), ContractStatus.ACTIVE),
    RequestKind.SUSPEND: (frozenset({ContractStatus.ACTIVE}), ContractStatus.SUSPENDED),
    RequestKind.RESUME: (frozenset({ContractStatus.SUSPENDED}), ContractStatus.ACTIVE),
    RequestKind.TERMINATE: (
        frozenset({ContractStatus.ACTIVE, ContractStatus.SUSPENDED}),
        ContractStatus.TERMINATED,
    ),
}


class RequestState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"


REQUEST_STATE_LABELS = {
    RequestState.PENDING: "En attente du serveur",
    RequestState.DONE: "Acceptée",
    RequestState.REFUSED: "Refusée",
}

# A signed version changes only by an amendment; a terminated contract is not amended.
AMENDABLE = frozenset({ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.SUSPENDED})


class ContractAction(StrEnum):
    """What a rep can do with the version on screen (the editor's buttons).

    The steps and the requests are named after the status or the request they record, so the
    life cycle above (CLIENT_STEPS, REQUEST_STEPS, AMENDABLE) is the only place that says
    which one is possible when.
    """

    SAVE = "save"
    SENT = ContractStatus.SENT.value
    SIGNED = ContractStatus.SIGNED.value
    DRAFT = ContractStatus.DRAFT.value
    ACTIVATE = RequestKind.ACTIVATE.value
    SUSPEND = RequestKind.SUSPEND.value
    RESUME = RequestKind.RESUME.value
    TERMINATE = RequestKind.TERMINATE.value
    AMEND = "amend"
    PDF = "pdf"


def available_actions(
    status: ContractStatus | None, *, writing: bool, request_pending: bool
) -> frozenset[ContractAction]:
    """The actions open on a version in `status` (None: no version saved yet).

    `writing`: a new contract or an amendment is being typed, not saved yet: only saving it
    makes sense. `request_pending`: a server command waits for its answer, so no other one
    may be asked meanwhile.
    """
    if writing or status is None:
        return frozenset({ContractAction.SAVE})
    actions = {ContractAction.PDF}
    if status == ContractStatus.DRAFT:
        actions.add(ContractAction.SAVE)
    actions.update(ContractAction(target.value) for target in CLIENT_STEPS.get(status, ()))
    if not request_pending:
        actions.update(
            ContractAction(kind.value)
            for kind, (allowed_from, _target) in REQUEST_STEPS.items()
            if status in allowed_from
        )
    if status in AMENDABLE:
        actions.add(ContractAction.AMEND)
    return frozenset(actions)


# Code de commerce L441-10: at most 60 days after the invoice date.
MAX_PAYMENT_DAYS = 60
MAX_SHARING_LEVEL = 10


@dataclass(frozen=True)
class PriceLine:
    category_id: uuid.UUID
    price_cents: int


@dataclass(frozen=True)
class ContractTerms:
    starts_on: date
    ends_on: date | None = None
    tacit_renewal: bool = True
    notice_days: int = 30
    # 1 = exclusive; N = a lead may be shared with at most N providers in all.
    sharing_level: int = 3
    cap_leads: int | None = None
    cap_cents: int | None = None
    package_fee_cents: int | None = None
    package_leads: int | None = None
    payment_days: int = 30
    sepa_mandate_ref: str | None = None
    prices: tuple[PriceLine, ...] = ()
    zones: tuple[ZoneInput, ...] = ()

    def price_for(self, category_id: uuid.UUID) -> int | None:
        return next((p.price_cents for p in self.prices if p.category_id == category_id), None)


def sharing_label(level: int) -> str:
    return "Exclusif" if level == 1 else f"Partagé, {level} prestataires au plus"


@dataclass(frozen=True)
class CategoryFloor:
    name: str
    floor_cents: int


def check_terms(terms: ContractTerms, floors: Mapping[uuid.UUID, CategoryFloor]) -> None:
    """Raise FieldErrors (French, one per field) when the terms cannot make a contract."""
    errors: dict[str, str] = {}
    if terms.ends_on is not None and terms.ends_on <= terms.starts_on:
        errors["ends_on"] = "La date de fin doit être postérieure à la date de début."
    if not 1 <= terms.sharing_level <= MAX_SHARING_LEVEL:
        errors["sharing_level"] = (
            f"Niveau de partage entre 1 (exclusif) et {MAX_SHARING_LEVEL} prestataires."
        )
    if terms.cap_leads is not None and terms.cap_leads < 1:
        errors["cap_leads"] = "Le plafond mensuel en leads doit être d'au moins 1."
    if terms.cap_cents is not None and terms.cap_cents < 1:
        errors["cap_cents"] = "Le plafond mensuel en euros doit être positif."
    if (terms.package_fee_cents is None) != (terms.package_leads is None):
        errors["package"] = "Un forfait a un montant et un nombre de leads inclus, ou rien."
    elif terms.package_leads is not None:
        if terms.package_leads < 1 or (terms.package_fee_cents or 0) < 1:
            errors["package"] = "Le forfait doit inclure au moins un lead, pour un montant positif."
        elif terms.cap_leads is not None and terms.package_leads > terms.cap_leads:
            errors["package"] = "Le forfait inclut plus de leads que le plafond mensuel."
    if terms.notice_days < 0 or terms.notice_days > 365:
        errors["notice_days"] = "Préavis entre 0 et 365 jours."
    if not 0 <= terms.payment_days <= MAX_PAYMENT_DAYS:
        errors["payment_days"] = (
            f"Délai de paiement entre 0 et {MAX_PAYMENT_DAYS} jours (code de commerce L441-10)."
        )
    if terms.sepa_mandate_ref and not valid_rum(terms.sepa_mandate_ref):
        errors["sepa_mandate_ref"] = RUM_FORMAT
    if not terms.prices:
        errors["prices"] = "Choisissez au moins une catégorie avec son prix par lead."
    else:
        below = []
        for line in terms.prices:
            floor = floors.get(line.category_id)
            if floor is None:
                errors["prices"] = "Catégorie inconnue dans la grille de prix."
                break
            if line.price_cents < max(floor.floor_cents, 1):
                below.append(
                    f"{floor.name} (plancher {format_euros(floor.floor_cents, with_cents=True)})"
                )
        if below:
            errors["prices"] = "Prix sous le prix plancher : " + ", ".join(below) + "."
        if len({p.category_id for p in terms.prices}) != len(terms.prices):
            errors["prices"] = "Une catégorie apparaît deux fois dans la grille de prix."
    if not terms.zones:
        errors["zones"] = "Choisissez au moins une zone (département ou code postal + rayon)."
    else:
        try:
            check_zones(list(terms.zones))
        except FieldErrors as zone_errors:
            errors.update(zone_errors.errors)
    if errors:
        raise FieldErrors(errors)


@dataclass(frozen=True)
class VersionSpan:
    number: int
    status: ContractStatus
    starts_on: date
    ends_on: date | None


def overlaps(a: VersionSpan, b: VersionSpan) -> bool:
    a_end = a.ends_on or date.max
    b_end = b.ends_on or date.max
    return a.starts_on <= b_end and b.starts_on <= a_end


def plan_activation(
    candidate: VersionSpan, others: Sequence[VersionSpan]
) -> tuple[list[tuple[int, date]], str | None]:
    """How activating `candidate` fits with the contract's other versions.

    An amendment supersedes the version in force from its own start date: that version is
    ended the day before. Returns (versions to end: (number, new end date), refusal or None).
    Two active versions may never overlap.
    """
    to_end: list[tuple[int, date]] = []
    for other in others:
        if other.status not in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED):
            continue
        if not overlaps(candidate, other):
            continue
        if other.number < candidate.number and other.starts_on < candidate.starts_on:
            to_end.append((other.number, candidate.starts_on - timedelta(days=1)))
            continue
        return [], (
            f"La version {candidate.number} chevauche la version {other.number} active "
            f"(du {other.starts_on:%d/%m/%Y}"
            + (f" au {other.ends_on:%d/%m/%Y}" if other.ends_on else ", sans fin")
            + ") : un avenant doit commencer après le début de la version qu'il remplace."
        )
    return to_end, None


# -- the diff between two versions ------------------------------------------------------------

FIELD_LABELS = {
    "starts_on": "Début",
    "ends_on": "Fin",
    "tacit_renewal": "Tacite reconduction",
    "notice_days": "Préavis (jours)",
    "sharing_level": "Partage",
    "cap_leads": "Plafond mensuel (leads)",
    "cap_cents": "Plafond mensuel (€ HT)",
    "package_fee_cents": "Forfait mensuel (€ HT)",
    "package_leads": "Leads inclus au forfait",
    "payment_days": "Délai de paiement (jours)",
    "sepa_mandate_ref": "Mandat SEPA (RUM)",
}
_MONEY_FIELDS = frozenset({"cap_cents", "package_fee_cents"})


@dataclass(frozen=True)
class TermChange:
    label: str
    before: str
    after: str


def describe(name: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if name in _MONEY_FIELDS:
        return format_euros(value, with_cents=True)  # type: ignore[arg-type]
    if name == "sharing_level":
        return sharing_label(value)  # type: ignore[arg-type]
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def diff_terms(
    before: ContractTerms, after: ContractTerms, category_names: Mapping[uuid.UUID, str]
) -> list[TermChange]:
    """Every term that differs, field by field, then price by category and zone by zone."""
    changes = [
        TermChange(FIELD_LABELS[f.name], describe(f.name, old), describe(f.name, new))
        for f in fields(ContractTerms)
        if f.name in FIELD_LABELS
        and (old := getattr(before, f.name)) != (new := getattr(after, f.name))
    ]
    old_prices = {p.category_id: p.price_cents for p in before.prices}
    new_prices = {p.category_id: p.price_cents for p in after.prices}
    for category_id in sorted(
        old_prices.keys() | new_prices.keys(), key=lambda c: category_names.get(c, str(c))
    ):
        old, new = old_prices.get(category_id), new_prices.get(category_id)
        if old != new:
            changes.append(
                TermChange(
                    f"Prix « {category_names.get(category_id, str(category_id))} »",
                    format_euros(old, with_cents=True) if old is not None else "non couverte",
                    format_euros(new, with_cents=True) if new is not None else "non couverte",
                )
            )
    old_zones, new_zones = set(before.zones), set(after.zones)
    for zone in sorted(old_zones - new_zones, key=lambda z: z.label):
        changes.append(TermChange("Zone", zone.label, "retirée"))
    for zone in sorted(new_zones - old_zones, key=lambda z: z.label):
        changes.append(TermChange("Zone", "—", zone.label))
    return changes


def monthly_ceiling_cents(terms: ContractTerms) -> int | None:
    """The most a month can cost under these terms (excl. VAT), or None when nothing caps it."""
    fee = terms.package_fee_cents or 0
    dearest = max((p.price_cents for p in terms.prices), default=0)
    beyond: int | None = None
    if terms.cap_leads is not None:
        beyond = max(terms.cap_leads - (terms.package_leads or 0), 0) * dearest
    if terms.cap_cents is not None:
        beyond = terms.cap_cents if beyond is None else min(beyond, terms.cap_cents)
    return None if beyond is None else fee + beyond
