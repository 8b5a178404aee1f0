"""Registering a consumer's request (a lead): the rules every new lead goes through.

Used by the tests and, later, by the server's web-form endpoint. The demo generator applies
the same policy functions in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.contact import normalize_email, normalize_phone
from app.domain.enums import DesiredStart, JourneyEventKind, LeadStatus
from app.domain.postcodes import departement_for_postcode, normalize_postcode
from app.persistence.models import Category, JourneyEvent, Lead, LeadStatusChange, Sector, Site
from app.policy.interest import JourneyStep, interest_score
from app.policy.queue_rules import (
    DEFAULT_QUEUE_POLICY,
    QueuePolicy,
    enters_qualification_queue,
    priority_key,
)
from app.services.queue import search_name_key


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


def register_lead(
    session: Session, submission: LeadSubmission, policy: QueuePolicy = DEFAULT_QUEUE_POLICY
) -> Lead:
    """Validate and store a new lead with its journey; it enters the queue or is released."""
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
    for step in submission.journey:
        session.add(
            JourneyEvent(
                lead_id=lead.id,
                occurred_at=step.occurred_at,
                kind=step.kind,
                label=step.label,
                duration_seconds=step.duration_seconds,
                optional_step=step.optional_step,
            )
        )
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
