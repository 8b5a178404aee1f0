"""Registering a consumer's request (a lead): the rules every new lead goes through.

Used by the server's web-form endpoint (server/intake.py) and the tests. The demo generator applies
the same policy functions in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.contact import InvalidEmail, InvalidPhone, normalize_email, normalize_phone
from app.domain.enums import DesiredStart, JourneyEventKind, LeadStatus
from app.domain.postcodes import InvalidPostcode, departement_for_postcode, normalize_postcode
from app.persistence.models import Category, JourneyEvent, Lead, LeadStatusChange, Sector, Site
from app.policy.interest import JourneyStep, interest_score
from app.policy.queue_rules import (
    DEFAULT_QUEUE_POLICY,
    QueuePolicy,
    enters_qualification_queue,
    priority_key,
)
from app.services.leads.queue import search_name_key


@dataclass(frozen=True)
class JourneyInput:
    occurred_at: datetime
    kind: JourneyEventKind
    label: str
    duration_seconds: int = 0
    optional_step: bool = False


@dataclass(frozen=True)
class LeadSubmission:
    submitted_at: datetime
    first_name: str
    last_name: str
    phone: str
    postcode: str
    city: str
    category_code: str
    site_code: str
    budget_cents: int | None
    description: str = ""
    email: str = ""
    civility: str | None = None
    address_line: str | None = None
    desired_start: DesiredStart = DesiredStart.UNKNOWN
    consent_form_code: str | None = None
    consent_at: datetime | None = None
    consent_wording_version: str | None = None
    journey: tuple[JourneyInput, ...] = field(default_factory=tuple)
    # The consumer asked to hear from at most this many providers (docs/domain-rules.md).
    max_providers: int | None = None


# A second request from the same phone for the same category within this many days is the same
# project: it is linked to the first lead instead of being sold twice.
DUPLICATE_WINDOW_DAYS = 30

# Limits of what a web form may send: a description longer than a few pages or a journey of
# more steps than any visitor clicks is a script, and each costs storage and scoring time.
DESCRIPTION_MAX = 10_000
JOURNEY_MAX_STEPS = 200
# Time on one page of the journey: a day covers any tab left open.
STEP_SECONDS_MAX = 86_400


def submission_errors(session: Session, submission: LeadSubmission) -> dict[str, str]:
    """Everything wrong with a web-form submission, in French, by field; empty when valid."""
    errors: dict[str, str] = {}
    for name, value in (
        ("first_name", submission.first_name),
        ("last_name", submission.last_name),
        ("city", submission.city),
    ):
        if not value.strip():
            errors[name] = "Ce champ est obligatoire."
    try:
        normalize_phone(submission.phone)
    except InvalidPhone as exc:
        errors["phone"] = str(exc)
    try:
        normalize_postcode(submission.postcode)
    except InvalidPostcode as exc:
        errors["postcode"] = str(exc)
    try:
        normalize_email(submission.email)
    except InvalidEmail as exc:
        errors["email"] = str(exc)
    if session.scalar(select(Category.id).where(Category.code == submission.category_code)) is None:
        errors["category"] = "Catégorie inconnue."
    if session.scalar(select(Site.id).where(Site.code == submission.site_code)) is None:
        errors["site"] = "Site inconnu."
    if submission.budget_cents is not None and submission.budget_cents < 0:
        errors["budget_cents"] = "Le budget ne peut pas être négatif."
    if not (
        submission.consent_form_code
        and submission.consent_at
        and submission.consent_wording_version
    ):
        errors["consent"] = (
            "Preuve du consentement manquante (formulaire, date et version du texte)."
        )
    return errors


def recent_duplicate(session: Session, submission: LeadSubmission) -> Lead | None:
    """The lead of the same phone and category submitted in the last 30 days, if any."""
    phone = normalize_phone(submission.phone)
    since = submission.submitted_at - timedelta(days=DUPLICATE_WINDOW_DAYS)
    return session.scalars(
        select(Lead)
        .join(Category, Category.id == Lead.category_id)
        .where(
            Lead.phone_e164 == phone,
            Category.code == submission.category_code,
            Lead.submitted_at >= since,
            Lead.deleted.is_(False),
        )
        .order_by(Lead.submitted_at.desc())
        .limit(1)
    ).first()


def add_journey(session: Session, lead: Lead, journey: tuple[JourneyInput, ...]) -> list:
    events = [
        JourneyEvent(
            lead_id=lead.id,
            occurred_at=step.occurred_at,
            kind=step.kind,
            label=step.label,
            duration_seconds=step.duration_seconds,
            optional_step=step.optional_step,
        )
        for step in journey
    ]
    session.add_all(events)
    return events


def register_lead(
    session: Session,
    submission: LeadSubmission,
    policy: QueuePolicy = DEFAULT_QUEUE_POLICY,
    number: int | None = None,
) -> Lead:
    """Store a new lead with its journey; it enters the queue or is released.

    `number` comes from the server's counter; without it (tests, a lone workstation) the next
    free number is used.
    """
    phone = normalize_phone(submission.phone)
    postcode = normalize_postcode(submission.postcode)
    category = session.scalar(select(Category).where(Category.code == submission.category_code))
    if category is None:
        raise ValueError(f"unknown category {submission.category_code}")
    sector = session.get(Sector, category.sector_id)
    assert sector is not None
    site = session.scalar(select(Site).where(Site.code == submission.site_code))
    if site is None:
        raise ValueError(f"unknown site {submission.site_code}")
    score = interest_score(
        (JourneyStep(j.kind, j.duration_seconds, j.optional_step) for j in submission.journey),
        submission.description,
    )
    to_qualify = enters_qualification_queue(
        submission.budget_cents, sector.qualification_threshold_cents, category.needs_review
    )
    if number is None:
        number = (session.scalar(select(func.max(Lead.number))) or 0) + 1
    lead = Lead(
        number=number,
        submitted_at=submission.submitted_at,
        civility=submission.civility,
        first_name=submission.first_name.strip(),
        last_name=submission.last_name.strip(),
        search_name=search_name_key(f"{submission.last_name} {submission.first_name}"),
        phone_e164=phone,
        email=normalize_email(submission.email),
        address_line=submission.address_line,
        postcode=postcode,
        city=submission.city.strip(),
        departement_code=departement_for_postcode(postcode).code,
        category_id=category.id,
        description=submission.description,
        budget_cents=submission.budget_cents,
        desired_start=submission.desired_start,
        max_providers=submission.max_providers,
        site_id=site.id,
        consent_form_code=submission.consent_form_code,
        consent_at=submission.consent_at,
        consent_wording_version=submission.consent_wording_version,
        status=LeadStatus.TO_QUALIFY if to_qualify else LeadStatus.RELEASED,
        interest_score=score,
        priority_key=priority_key(
            submission.submitted_at, submission.budget_cents, score, 0, policy
        ),
        call_attempt_count=0,
    )
    session.add(lead)
    session.flush()
    add_journey(session, lead, submission.journey)
    if not to_qualify:
        session.add(
            LeadStatusChange(
                lead_id=lead.id,
                changed_at=submission.submitted_at,
                from_status=None,
                to_status=LeadStatus.RELEASED,
                reason="Contrôles automatiques passés",
            )
        )
    return lead
