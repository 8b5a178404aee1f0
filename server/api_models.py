"""What the API answers, declared for the OpenAPI schema (and checked by the fuzzer), the
common error answer, and the bounded input types the request models share."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.clock import utc_now
from app.domain.enums import Disposition, LeadStatus, Role

# The largest amount any cents field accepts: 100 million euros (columns are 64-bit).
MAX_CENTS = 10_000_000_000

# A web form says when things happened; beyond these bounds it is a bug or a forgery (and a
# year-1 date overflows the date arithmetic of deduplication and queue priority).
PAST_BOUND = timedelta(days=366)
FUTURE_BOUND = timedelta(hours=1)


def _plausible_instant(at: datetime) -> datetime:
    """An instant within a year before the server's clock and an hour after it, in UTC."""
    now = utc_now()
    try:
        at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
        plausible = now - PAST_BOUND <= at <= now + FUTURE_BOUND
    except OverflowError:
        plausible = False
    if not plausible:
        raise ValueError(
            "La date doit être comprise entre un an avant et une heure après l'heure du serveur."
        )
    return at


RecentInstant = Annotated[datetime, AfterValidator(_plausible_instant)]


def _plausible_collection_date(day: date) -> date:
    today = utc_now().date()
    if not today - PAST_BOUND <= day <= today + PAST_BOUND:
        raise ValueError("La date doit être comprise entre un an avant et un an après ce jour.")
    return day


CollectionDate = Annotated[date, AfterValidator(_plausible_collection_date)]

FIRST_INVOICED_YEAR = 2000
LAST_INVOICED_YEAR = 2099


def _invoice_month(month: str) -> str:
    year, _, number = month.partition("-")
    if not (FIRST_INVOICED_YEAR <= int(year) <= LAST_INVOICED_YEAR and 1 <= int(number) <= 12):
        raise ValueError(
            f"Mois invalide : attendu AAAA-MM, mois de 01 à 12, année de "
            f"{FIRST_INVOICED_YEAR} à {LAST_INVOICED_YEAR}."
        )
    return month


InvoiceMonth = Annotated[
    str, Field(pattern=r"^\d{4}-\d{2}$", examples=["2026-03"]), AfterValidator(_invoice_month)
]


class FieldError(BaseModel):
    field: str = Field(description="where: body.budget_cents, query.cursor, …")
    message: str = Field(description="what is wrong, in French")
    type: str = Field(description="pydantic's error type, for programs")


class ErrorOut(BaseModel):
    """Every error answer: a French sentence the workstation shows as is, and for invalid
    requests the errors one by one (a list; intake's own checks: French message by field)."""

    detail: str
    errors: list[FieldError] | dict[str, str] | None = None


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of an endpoint: these statuses answer the common error model."""
    return {status: {"model": ErrorOut, "description": _ERRORS[status]} for status in statuses}


_ERRORS = {
    401: "Connexion requise, jeton inconnu, expiré, ou clé d'API manquante",
    403: "Rôle ou clé d'API sans ce droit",
    404: "Inconnu",
    409: "Refusé dans l'état actuel",
    413: "Corps de requête trop volumineux",
    422: "Requête invalide",
    426: "Version du poste de travail trop ancienne",
    429: "Trop de demandes : réessayer après Retry-After secondes",
}


class HelloOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_version: int = Field(alias="schema")
    server_time: datetime


class SignedInUser(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role


class SignInOut(BaseModel):
    token: str
    expires_at: datetime
    user: SignedInUser


class PushResult(BaseModel):
    op: str | None
    status: Literal["applied", "conflict", "rejected"]
    message: str | None = None
    # A machine-readable reason where the workstation acts on it (sync.hlc.CLOCK_AHEAD).
    code: str | None = None


class PushOut(BaseModel):
    batch: str
    results: list[PushResult]


class PullTable(BaseModel):
    name: str
    columns: list[str]
    rows: list[list[Any]]


class PullPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_version: int = Field(alias="schema")
    cursor: int
    head: int
    more: bool
    tables: list[PullTable]
    removes: list[tuple[str, str]] = Field(description="[table, row id] pairs out of scope")


class DebitLineOut(BaseModel):
    end_to_end_id: str
    amount_cents: int
    debtor_name: str
    iban: str
    bic: str | None
    rum: str
    mandate_signed_on: date
    sequence_type: str
    description: str


class SkippedInvoiceOut(BaseModel):
    number: str
    buyer_name: str
    open_cents: int
    reason: str


class DebitRunOut(BaseModel):
    batch_id: uuid.UUID | None
    message_id: str | None
    collection_date: date
    lines: list[DebitLineOut]
    skipped: list[SkippedInvoiceOut]


class InvoiceRunRowOut(BaseModel):
    provider_id: uuid.UUID
    company_name: str
    invoice_id: uuid.UUID | None
    number: str | None
    net_cents: int
    vat_cents: int
    gross_cents: int
    anomalies: list[str]


class InvoiceRunOut(BaseModel):
    month: str
    issued: bool
    invoices: list[InvoiceRunRowOut]


class CreditNoteOut(BaseModel):
    id: uuid.UUID
    number: str | None
    gross_cents: int


class PlacedLeadOut(BaseModel):
    lead_id: uuid.UUID
    sold_to: list[uuid.UUID]
    unsold_reason: str | None


class DispatchOut(BaseModel):
    placed: list[PlacedLeadOut]


class DemandHistoryOut(BaseModel):
    months: list[date]
    counts: list[int]
    reference_counts: list[int]
    called_leads: int
    reached_leads: int
    reference_called_leads: int
    reference_reached_leads: int
    competing_providers: int


class IntakeOut(BaseModel):
    lead_id: uuid.UUID
    linked_to_existing: bool


class LeadFoundOut(BaseModel):
    """A lead the search found, as the queue shows it (app/services/leads/queue.py)."""

    id: uuid.UUID
    number: int
    name: str = Field(description="LAST NAME First name")
    phone_e164: str
    postcode: str
    city: str
    departement_code: str
    category: str
    status: LeadStatus
    created_at: datetime = Field(description="when the request was submitted")
    budget_cents: int | None
    interest_score: int
    attempts: int
    last_outcome: Disposition | None = Field(description="the last call's outcome, if any")
    last_call_at: datetime | None


class LeadSearchOut(BaseModel):
    leads: list[LeadFoundOut]


class JourneyLineOut(BaseModel):
    occurred_at: datetime
    kind: str
    label: str
    duration_seconds: int


class CallLineOut(BaseModel):
    started_at: datetime
    caller: str
    duration_seconds: int
    disposition: str
    notes: str
    by_consent: bool


class RunningCallOut(BaseModel):
    attempt_id: uuid.UUID
    started_at: datetime
    caller_id: uuid.UUID


class CallbackLineOut(BaseModel):
    due_at: datetime
    assigned_to: str
    consumer_requested: bool
    consent_note: str
    status: str


class StatusLineOut(BaseModel):
    changed_at: datetime
    user: str
    from_status: str | None
    to_status: str
    reason: str


class CallDecisionOut(BaseModel):
    allowed: bool
    block: str | None
    next_allowed_at: datetime | None
    by_consent: bool


class LeadDetailOut(BaseModel):
    """What the workstation's lead panel shows (app/services/leads/lead_detail.LeadDetail)."""

    id: uuid.UUID
    number: int
    status: LeadStatus
    submitted_at: datetime
    civility: str | None
    first_name: str
    last_name: str
    phone_e164: str
    email: str | None
    address_line: str | None
    postcode: str
    city: str
    departement_code: str
    category_name: str
    sector_name: str
    description: str
    budget_cents: int | None
    desired_start: str
    site_name: str
    site_kind: str
    site_domain: str
    consent_form_code: str | None
    consent_at: datetime | None
    consent_wording_version: str | None
    interest_score: int
    qualified_budget_cents: int | None
    qualified_start: str | None
    qualified_scope: str | None
    qualification_note: str | None
    contact_verified: bool
    qualified_at: datetime | None
    close_reason: str | None
    close_comment: str | None
    journey: list[JourneyLineOut]
    calls: list[CallLineOut]
    callbacks: list[CallbackLineOut]
    status_history: list[StatusLineOut]
    call: CallDecisionOut
    running_calls: list[RunningCallOut]
