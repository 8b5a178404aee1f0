"""Calls, e-mails, meetings, notes and tasks on providers, and the rep's "my day" list.

A planned call must fall in office hours of the provider's zone (docs/domain-rules.md, B2B);
the service proposes the next office-hours slot when it does not. Every call is logged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.errors import ActionRefused, FieldErrors
from app.domain.postcodes import zone_for_departement
from app.domain.providers import STAGE_LABELS, ActivityKind, CallOutcome, ProviderStage
from app.persistence.models import Provider, ProviderActivity, ProviderChange
from app.policy.calling_rules import CallingRules
from app.policy.office_hours import DEFAULT_OFFICE_HOURS, next_office_time, within_office_hours
from app.services.auth import StaffMember

_CONTACT_KINDS = frozenset({ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING})


@dataclass(frozen=True)
class DayItem:
    activity_id: uuid.UUID
    provider_id: uuid.UUID
    company_name: str
    kind: ActivityKind
    subject: str
    due_at: datetime
    overdue: bool
    phone_e164: str | None
    city: str


class ProviderActivities:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        user: StaffMember,
        office_hours: CallingRules = DEFAULT_OFFICE_HOURS,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.user = user
        self.office_hours = office_hours

    def log(
        self,
        provider_id: uuid.UUID,
        kind: ActivityKind,
        subject: str = "",
        notes: str = "",
        outcome: CallOutcome | None = None,
    ) -> uuid.UUID:
        """Record what just happened. A call needs its outcome; a reached prospect is moved to
        "contacted" (audited), since that is what the stage means."""
        if kind is ActivityKind.CALL and outcome is None:
            raise FieldErrors({"outcome": "Indiquez le résultat de l'appel."})
        if kind in (ActivityKind.NOTE, ActivityKind.EMAIL) and not (subject or notes).strip():
            raise FieldErrors({"notes": "Écrivez au moins un objet ou une note."})
        now = self.clock()
        with self.sessions.begin() as session:
            provider = self._provider(session, provider_id)
            activity = ProviderActivity(
                provider_id=provider_id,
                user_id=self.user.id,
                kind=kind.value,
                subject=subject.strip(),
                notes=notes.strip(),
                outcome=outcome.value if outcome else None,
                done=True,
                done_at=now,
            )
            session.add(activity)
            if kind in _CONTACT_KINDS:
                provider.last_contact_at = now
            if outcome is CallOutcome.REACHED and provider.stage == ProviderStage.PROSPECT:
                session.add(
                    ProviderChange(
                        provider_id=provider_id,
                        changed_at=now,
                        user_id=self.user.id,
                        field="stage",
                        old_value=STAGE_LABELS[ProviderStage.PROSPECT],
                        new_value=STAGE_LABELS[ProviderStage.CONTACTED],
                    )
                )
                provider.stage = ProviderStage.CONTACTED.value
                provider.stage_changed_at = now
            session.flush()
            return activity.id

    def plan(
        self, provider_id: uuid.UUID, kind: ActivityKind, due_at: datetime, subject: str = ""
    ) -> uuid.UUID:
        """Plan a call, meeting or task. A call outside the provider's office hours is refused
        with the next possible slot in the message."""
        if kind is ActivityKind.TASK and not subject.strip():
            raise FieldErrors({"subject": "Décrivez la tâche."})
        with self.sessions.begin() as session:
            provider = self._provider(session, provider_id)
            if kind is ActivityKind.CALL:
                zone = zone_for_departement(provider.departement_code)
                if not within_office_hours(due_at, zone, self.office_hours):
                    proposal = next_office_time(due_at, zone, self.office_hours)
                    local = proposal.astimezone(zone.timezone)
                    raise FieldErrors(
                        {
                            "due_at": "Hors des heures de bureau du prestataire. Prochain "
                            f"créneau : {local:%d/%m/%Y à %H:%M} (heure locale)."
                        }
                    )
            activity = ProviderActivity(
                provider_id=provider_id,
                user_id=self.user.id,
                kind=kind.value,
                subject=subject.strip(),
                due_at=due_at,
            )
            session.add(activity)
            session.flush()
            return activity.id

    def next_call_slot(self, provider_id: uuid.UUID, after: datetime) -> datetime:
        with self.sessions() as session:
            provider = self._provider(session, provider_id)
            zone = zone_for_departement(provider.departement_code)
        return next_office_time(after, zone, self.office_hours)

    def complete(
        self, activity_id: uuid.UUID, outcome: CallOutcome | None = None, notes: str = ""
    ) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            activity = session.get(ProviderActivity, activity_id)
            if activity is None or activity.deleted:
                raise ActionRefused("Cette activité n'existe plus.")
            if activity.done:
                return
            if activity.kind == ActivityKind.CALL and outcome is None:
                raise FieldErrors({"outcome": "Indiquez le résultat de l'appel."})
            activity.done = True
            activity.done_at = now
            activity.outcome = outcome.value if outcome else None
            if notes.strip():
                activity.notes = (activity.notes + "\n" + notes.strip()).strip()
            if ActivityKind(activity.kind) in _CONTACT_KINDS:
                provider = session.get(Provider, activity.provider_id)
                if provider is not None:
                    provider.last_contact_at = now

    def my_day(self, end_of_day: datetime | None = None) -> list[DayItem]:
        """The rep's planned calls and tasks due by the end of today, overdue first, in order."""
        now = self.clock()
        if end_of_day is None:
            local = now.astimezone(zone_for_departement("75").timezone)
            end_of_day = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
        with self.sessions() as session:
            rows = session.execute(
                select(ProviderActivity, Provider)
                .join(Provider, Provider.id == ProviderActivity.provider_id)
                .where(
                    ProviderActivity.user_id == self.user.id,
                    ProviderActivity.done.is_(False),
                    ProviderActivity.deleted.is_(False),
                    ProviderActivity.due_at.is_not(None),
                    ProviderActivity.due_at < end_of_day,
                    Provider.deleted.is_(False),
                )
                .order_by(ProviderActivity.due_at)
            ).all()
            return [
                DayItem(
                    a.id,
                    p.id,
                    p.company_name,
                    ActivityKind(a.kind),
                    a.subject,
                    a.due_at,
                    a.due_at < now,
                    p.phone_e164,
                    p.city,
                )
                for a, p in rows
                if a.due_at is not None
            ]

    def _provider(self, session: Session, provider_id: uuid.UUID) -> Provider:
        provider = session.get(Provider, provider_id)
        if provider is None or provider.deleted:
            raise ActionRefused("Ce prestataire n'existe plus (supprimé entre-temps).")
        return provider
