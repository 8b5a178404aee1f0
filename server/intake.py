"""Quote requests posted by the company's web forms and the partner sites.

Each site authenticates with its own API key (only a hash is stored). A request is checked
(category, phone, postcode, consent proof), deduplicated (same phone and category within 30
days is linked to the first lead), and stored with the journey that came with it. A retried
post with the same Idempotency-Key returns the first answer; requests beyond the site's rate
per minute are refused with 429. All of it lives in the database, shared by every worker.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.persistence.models import Site
from app.services.leads.intake import (
    LeadSubmission,
    add_journey,
    recent_duplicate,
    register_lead,
    submission_errors,
)
from server.changes import ChangedRows
from server.persistence.models import IntakeRateWindow, IntakeRequest, SiteApiKey
from server.sequence import take_numbers
from sync.hlc import Stamp


class IntakeRefused(Exception):
    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class InvalidSubmission(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid submission")
        self.errors = errors


@dataclass(frozen=True)
class IntakeAnswer:
    status: int  # 201 created, 200 linked to an earlier lead
    lead_id: uuid.UUID
    linked: bool


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_site_key(session: Session, site_code: str, now: datetime) -> str:
    """A new API key for a site; the key itself is shown once and never stored."""
    site = session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        raise ValueError(f"unknown site {site_code}")
    key = "crm_" + secrets.token_urlsafe(30)
    session.add(SiteApiKey(site_id=site.id, key_hash=_key_hash(key), created_at=now))
    return key


def site_for_key(session: Session, key: str | None) -> Site:
    if not key:
        raise IntakeRefused(401, "Clé d'API manquante (en-tête X-Api-Key).")
    record = session.scalar(select(SiteApiKey).where(SiteApiKey.key_hash == _key_hash(key)))
    if record is None or not record.active:
        raise IntakeRefused(403, "Clé d'API inconnue ou désactivée.")
    site = session.get(Site, record.site_id)
    if site is None or site.deleted:
        raise IntakeRefused(403, "Le site de cette clé n'existe plus.")
    return site


def count_request(session: Session, site: Site, now: datetime, per_minute: int) -> None:
    window = now.replace(second=0, microsecond=0)
    row = session.get(IntakeRateWindow, (site.id, window), with_for_update=True)
    if row is None:
        session.add(IntakeRateWindow(site_id=site.id, window_start=window, count=1))
        session.flush()
        return
    if row.count >= per_minute:
        retry = int((window + timedelta(minutes=1) - now).total_seconds()) + 1
        raise IntakeRefused(429, "Trop de demandes pour ce site : réessayez plus tard.", retry)
    row.count += 1


# When the form built the request, not what it asks: a form that rebuilds its payload for a
# retry stamps these afresh, and the retry is still the same request.
_MOMENTS = frozenset({"submitted_at", "at", "occurred_at"})


def _without_moments(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_moments(v) for k, v in value.items() if k not in _MOMENTS}
    if isinstance(value, list):
        return [_without_moments(v) for v in value]
    return value


def submission_hash(body: Any) -> str:
    """SHA-256 of a posted body (JSON-able) without its moments, keys sorted: what an
    Idempotency-Key stands for. The same key with another hash is another request."""
    canonical = orjson.dumps(_without_moments(body), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def receive(
    session: Session,
    site: Site,
    submission: LeadSubmission,
    idempotency_key: str | None,
    now: datetime,
    body_hash: str | None = None,
) -> IntakeAnswer:
    if idempotency_key:
        earlier = session.get(IntakeRequest, (site.id, idempotency_key))
        if earlier is not None:
            if body_hash and earlier.body_hash and earlier.body_hash != body_hash:
                raise IntakeRefused(
                    409,
                    "Cette clé d'idempotence (en-tête Idempotency-Key) a déjà servi pour une "
                    "autre demande : envoyez une nouvelle clé pour une nouvelle demande.",
                )
            return IntakeAnswer(earlier.status_code, earlier.lead_id, earlier.status_code == 200)
    errors = submission_errors(session, submission)
    if errors:
        raise InvalidSubmission(errors)
    changed = ChangedRows(session, str(Stamp(int(now.timestamp() * 1000), 0, "server")))
    duplicate = recent_duplicate(session, submission)
    if duplicate is not None:
        add_journey(session, duplicate, submission.journey)
        answer = IntakeAnswer(200, duplicate.id, True)
    else:
        lead = register_lead(session, submission, number=take_numbers(session, "lead_number", 1))
        answer = IntakeAnswer(201, lead.id, False)
    if idempotency_key:
        session.add(
            IntakeRequest(
                site_id=site.id,
                idempotency_key=idempotency_key,
                lead_id=answer.lead_id,
                status_code=answer.status,
                created_at=now,
                body_hash=body_hash,
            )
        )
    changed.stamp(session)
    return answer
