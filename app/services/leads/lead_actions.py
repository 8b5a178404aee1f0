"""What an expert does to a lead: log a call, schedule a callback, re-qualify, release, close.

Each action is one transaction: it either saves everything (the change, its audit row, the
call attempt) or nothing. Refusals are raised as ActionRefused or FieldErrors, in French.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.contact import InvalidEmail, InvalidPhone, normalize_email, normalize_phone
from app.domain.enums import (
    CLOSE_REASON_LABELS,
    OPEN_STATUSES,
    CallbackStatus,
    CloseReason,
    DesiredStart,
    Disposition,
    LeadStatus,
)
from app.domain.errors import ActionRefused, FieldErrors
from app.domain.lead_lifecycle import LeadFacts, check_transition
from app.domain.money import InvalidAmount, parse_euros
from app.domain.postcodes import (
    InvalidPostcode,
    departement_for_postcode,
    normalize_postcode,
    zone_for_departement,
)
from app.persistence.models import CallAttempt, Callback, Lead, LeadStatusChange, Opposition
from app.policy.calling_rules import (
    CALL_BLOCK_LABELS,
    DEFAULT_CALLING_RULES,
    CallDecision,
    CallingRules,
    ConsumerCallHistory,
    SlotCheck,
    check_callback_slot,
    evaluate_call,
)
from app.policy.queue_rules import DEFAULT_QUEUE_POLICY, QueuePolicy, priority_key
from app.services.auth import StaffMember
from app.services.leads.call_history import call_histories
from app.services.leads.queue import search_name_key

# Outcomes that end the lead, with the close reason they record.
_CLOSING_DISPOSITIONS = {
    Disposition.NOT_INTERESTED: CloseReason.NOT_INTERESTED,
    Disposition.WRONG_NUMBER: CloseReason.WRONG_NUMBER,
    Disposition.DUPLICATE: CloseReason.DUPLICATE,
}


@dataclass(frozen=True)
class CallbackRequest:
    due_at: datetime
    consumer_requested: bool
    consent_note: str = ""


@dataclass(frozen=True)
class RequalificationForm:
    """What the expert typed, as text: parsed and validated here."""

    budget: str
    desired_start: DesiredStart
    scope: str
    phone: str
    email: str
    postcode: str
    city: str
    contact_verified: bool
    note: str = ""


@dataclass(frozen=True)
class StartedCall:
    """A call attempt recorded when the call started, waiting for its outcome."""

    attempt_id: uuid.UUID
    started_at: datetime


class CallNotAllowed(ActionRefused):
    """The law forbids calling now; the decision says why and from when."""

    def __init__(self, decision: CallDecision) -> None:
        reason = CALL_BLOCK_LABELS[decision.block] if decision.block else ""
        super().__init__(f"Appel non autorisé maintenant : {reason}.")
        self.decision = decision


class SlotRefused(ActionRefused):
    def __init__(self, message: str, check: SlotCheck) -> None:
        super().__init__(message)
        self.check = check


class LeadActions:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        user: StaffMember,
        rules: CallingRules = DEFAULT_CALLING_RULES,
        policy: QueuePolicy = DEFAULT_QUEUE_POLICY,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._user = user
        self._rules = rules
        self._policy = policy

    # -- helpers --------------------------------------------------------------------------

    def _lead(self, session: Session, lead_id: uuid.UUID) -> Lead:
        lead = session.get(Lead, lead_id, with_for_update=True)
        if lead is None or lead.deleted:
            raise ActionRefused("Ce lead n'existe plus.")
        return lead

    def _history(self, session: Session, lead: Lead, now: datetime) -> ConsumerCallHistory:
        history = call_histories(session, [lead.phone_e164], now, self._rules)[lead.phone_e164]
        return dataclasses.replace(history, has_consent_proof=lead.has_consent_proof)

    def _set_status(
        self, session: Session, lead: Lead, status: LeadStatus, now: datetime, reason: str = ""
    ) -> None:
        if lead.status == status:
            return
        # The same table the server applies to a pushed status change.
        check_transition(
            self._user.role,
            LeadStatus(lead.status),
            status,
            LeadFacts(lead.qualified_at is not None, lead.contact_verified, lead.close_reason),
        )
        session.add(
            LeadStatusChange(
                lead_id=lead.id,
                changed_at=now,
                user_id=self._user.id,
                from_status=lead.status,
                to_status=status,
                reason=reason,
            )
        )
        lead.status = status

    def _finish_pending_callbacks(
        self, session: Session, lead: Lead, now: datetime, status: CallbackStatus
    ) -> None:
        # Through the ORM, not a bulk UPDATE: each change must reach the sync outbox.
        pending = session.scalars(
            select(Callback).where(
                Callback.lead_id == lead.id, Callback.status == CallbackStatus.PENDING
            )
        )
        for callback in pending:
            callback.status = status
            callback.completed_at = now
            callback.updated_at = now

    def _answer_pending_callbacks(
        self, session: Session, lead: Lead, call_started: datetime, now: datetime
    ) -> None:
        """A call answers the callbacks planned before it (done); one planned while it ran
        has not happened, and the call's outcome replaces it (cancelled)."""
        pending = session.scalars(
            select(Callback).where(
                Callback.lead_id == lead.id, Callback.status == CallbackStatus.PENDING
            )
        )
        for callback in pending:
            planned_during = callback.created_at is not None and callback.created_at >= call_started
            callback.status = CallbackStatus.CANCELLED if planned_during else CallbackStatus.DONE
            callback.completed_at = now
            callback.updated_at = now

    def _pending_callback(self, session: Session, lead: Lead) -> Callback | None:
        return session.scalar(
            select(Callback)
            .where(Callback.lead_id == lead.id, Callback.status == CallbackStatus.PENDING)
            .order_by(Callback.due_at)
            .limit(1)
        )

    def _refresh_priority(self, lead: Lead, unanswered: int) -> None:
        lead.priority_key = priority_key(
            lead.submitted_at, lead.budget_cents, lead.interest_score, unanswered, self._policy
        )

    def _require_open(self, lead: Lead) -> None:
        if LeadStatus(lead.status) not in OPEN_STATUSES:
            raise ActionRefused("Ce lead est déjà libéré ou clos.")

    def _add_callback(
        self, session: Session, lead: Lead, request: CallbackRequest, now: datetime
    ) -> None:
        history = self._history(session, lead, now)
        zone = zone_for_departement(lead.departement_code)
        check = check_callback_slot(
            request.due_at, now, zone, history, request.consumer_requested, self._rules
        )
        if not check.accepted:
            reason = CALL_BLOCK_LABELS[check.block] if check.block else "créneau déjà passé"
            raise SlotRefused(f"Créneau refusé : {reason}.", check)
        if request.consumer_requested and not request.consent_note.strip():
            raise FieldErrors(
                {"consent_note": "Notez la demande du consommateur (preuve de son accord)."}
            )
        self._finish_pending_callbacks(session, lead, now, CallbackStatus.CANCELLED)
        session.add(
            Callback(
                lead_id=lead.id,
                due_at=request.due_at,
                assigned_to_id=self._user.id,
                created_by_id=self._user.id,
                consumer_requested=request.consumer_requested,
                consent_note=request.consent_note.strip(),
                status=CallbackStatus.PENDING,
                # The service's clock, which calls are compared with (_answer_pending_callbacks).
                created_at=now,
                updated_at=now,
            )
        )
        self._set_status(session, lead, LeadStatus.CALLBACK, now, "Rappel planifié")

    # -- actions --------------------------------------------------------------------------

    def _decision(self, session: Session, lead: Lead, at: datetime) -> CallDecision:
        pending = self._pending_callback(session, lead)
        consented = pending.due_at if pending and pending.consumer_requested else None
        return evaluate_call(
            at,
            zone_for_departement(lead.departement_code),
            self._history(session, lead, at),
            self._rules,
            consented_slot=consented,
        )

    def _open_attempt(self, session: Session, lead: Lead) -> CallAttempt | None:
        """This user's attempt on the lead that was started and has no outcome yet."""
        return session.scalar(
            select(CallAttempt)
            .where(
                CallAttempt.lead_id == lead.id,
                CallAttempt.caller_id == self._user.id,
                CallAttempt.disposition == Disposition.PENDING,
                CallAttempt.deleted.is_(False),
            )
            .order_by(CallAttempt.started_at.desc())
            .limit(1)
        )

    def may_call_now(self, lead_id: uuid.UUID) -> CallDecision:
        now = self._clock()
        with self._sessions() as session:
            return self._decision(session, self._lead(session, lead_id), now)

    def start_call(self, lead_id: uuid.UUID) -> StartedCall:
        """Check the law and record the attempt as the call starts.

        A dialled call counts at once in the 4-calls-in-30-days budget (art. D.223-9; see
        docs/domain-rules.md) and syncs like any attempt, whatever happens to the call or the
        workstation next; log_call fills in its outcome. A call already started on this lead
        by this user is returned as it is (F3 twice dials once in the count).
        """
        now = self._clock()
        with self._sessions.begin() as session:
            lead = self._lead(session, lead_id)
            self._require_open(lead)
            running = self._open_attempt(session, lead)
            if running is not None:
                return StartedCall(running.id, running.started_at)
            decision = self._decision(session, lead, now)
            if not decision.allowed:
                raise CallNotAllowed(decision)
            attempt = CallAttempt(
                lead_id=lead.id,
                phone_e164=lead.phone_e164,
                caller_id=self._user.id,
                started_at=now,
                duration_seconds=0,
                disposition=Disposition.PENDING,
                notes="",
                by_consent=decision.by_consent,
            )
            session.add(attempt)
            lead.call_attempt_count += 1
            session.flush()
            return StartedCall(attempt.id, now)

    def log_call(
        self,
        lead_id: uuid.UUID,
        disposition: Disposition,
        started_at: datetime,
        duration_seconds: int,
        notes: str = "",
        callback: CallbackRequest | None = None,
    ) -> LeadStatus:
        """Give a call its outcome and apply it to the lead, in one transaction.

        The attempt recorded by start_call gets the outcome (it was checked against the law
        when it started); an outcome logged without a started call records its attempt now.
        """
        if disposition == Disposition.PENDING:
            raise ActionRefused("Choisissez l'issue de l'appel.")
        now = self._clock()
        with self._sessions.begin() as session:
            lead = self._lead(session, lead_id)
            self._require_open(lead)
            if disposition == Disposition.QUALIFIED and lead.qualified_at is None:
                raise ActionRefused(
                    "Complétez la requalification (F6) avant de marquer le lead qualifié."
                )
            if disposition == Disposition.CALLBACK_REQUESTED and callback is None:
                raise ActionRefused("Choisissez le créneau de rappel demandé.")
            attempt = self._open_attempt(session, lead)
            if attempt is None:
                decision = self._decision(session, lead, started_at)
                if not decision.allowed:
                    reason = CALL_BLOCK_LABELS[decision.block] if decision.block else ""
                    raise ActionRefused(f"Cet appel n'était pas autorisé : {reason}.")
                attempt = CallAttempt(
                    lead_id=lead.id,
                    phone_e164=lead.phone_e164,
                    caller_id=self._user.id,
                    started_at=started_at,
                    by_consent=decision.by_consent,
                )
                session.add(attempt)
                lead.call_attempt_count += 1
            attempt.disposition = disposition
            attempt.duration_seconds = max(0, duration_seconds)
            attempt.notes = notes.strip()
            self._answer_pending_callbacks(session, lead, attempt.started_at, now)

            if disposition == Disposition.CALLBACK_REQUESTED:
                assert callback is not None
                self._add_callback(session, lead, callback, now)
            elif disposition == Disposition.QUALIFIED:
                self._set_status(session, lead, LeadStatus.QUALIFIED, now, "Appel : qualifié")
            elif disposition in _CLOSING_DISPOSITIONS:
                reason = _CLOSING_DISPOSITIONS[disposition]
                self._close(session, lead, reason, notes, now)
            else:  # unreachable: back in the queue, behind fresher leads
                unanswered = self._unanswered_attempts(session, lead)
                self._refresh_priority(lead, unanswered)
                self._set_status(session, lead, LeadStatus.TO_QUALIFY, now, "Appel : injoignable")
            return LeadStatus(lead.status)

    def _unanswered_attempts(self, session: Session, lead: Lead) -> int:
        session.flush()
        count = session.scalar(
            select(func.count()).where(
                CallAttempt.lead_id == lead.id,
                CallAttempt.disposition == Disposition.UNREACHABLE,
            )
        )
        return count or 0

    def schedule_callback(self, lead_id: uuid.UUID, request: CallbackRequest) -> None:
        now = self._clock()
        with self._sessions.begin() as session:
            lead = self._lead(session, lead_id)
            self._require_open(lead)
            self._add_callback(session, lead, request, now)

    def requalify(self, lead_id: uuid.UUID, form: RequalificationForm) -> None:
        """Save the re-qualification. Every field is checked before anything is written."""
        errors: dict[str, str] = {}
        budget = phone = email = postcode = None
        try:
            budget = parse_euros(form.budget, required=True)
        except InvalidAmount as exc:
            errors["budget"] = str(exc)
        try:
            phone = normalize_phone(form.phone)
        except InvalidPhone as exc:
            errors["phone"] = str(exc)
        try:
            email = normalize_email(form.email)
        except InvalidEmail as exc:
            errors["email"] = str(exc)
        try:
            postcode = normalize_postcode(form.postcode)
        except InvalidPostcode as exc:
            errors["postcode"] = str(exc)
        if not form.city.strip():
            errors["city"] = "La ville est obligatoire."
        if len(form.scope.strip()) < 10:
            errors["scope"] = "Décrivez le périmètre du projet (10 caractères au moins)."
        if errors:
            raise FieldErrors(errors)
        assert phone is not None and postcode is not None
        now = self._clock()
        with self._sessions.begin() as session:
            lead = self._lead(session, lead_id)
            self._require_open(lead)
            lead.qualified_budget_cents = budget
            lead.qualified_start = form.desired_start
            lead.qualified_scope = form.scope.strip()
            lead.qualification_note = form.note.strip() or None
            lead.contact_verified = form.contact_verified
            lead.phone_e164 = phone
            lead.email = email
            lead.postcode = postcode
            lead.departement_code = departement_for_postcode(postcode).code
            lead.city = form.city.strip()
            lead.search_name = search_name_key(f"{lead.last_name} {lead.first_name}")
            lead.qualified_at = now
            lead.qualified_by_id = self._user.id

    def release(self, lead_id: uuid.UUID) -> None:
        now = self._clock()
        with self._sessions.begin() as session:
            lead = self._lead(session, lead_id)
            self._require_open(lead)
            if lead.qualified_at is None:
                raise ActionRefused("Un lead doit être requalifié avant d'être libéré.")
            if not lead.contact_verified:
                raise ActionRefused(
                    "Vérifiez les coordonnées avec le consommateur avant de libérer."
                )
            self._finish_pending_callbacks(session, lead, now, CallbackStatus.CANCELLED)
            self._set_status(session, lead, LeadStatus.RELEASED, now, "Libéré pour diffusion")

    def close(self, lead_id: uuid.UUID, reason: CloseReason, comment: str = "") -> None:
        now = self._clock()
        with self._sessions.begin() as session:
            lead = self._lead(session, lead_id)
            self._require_open(lead)
            self._close(session, lead, reason, comment, now)

    def _close(
        self, session: Session, lead: Lead, reason: CloseReason, comment: str, now: datetime
    ) -> None:
        self._finish_pending_callbacks(session, lead, now, CallbackStatus.CANCELLED)
        lead.close_reason = reason
        lead.close_comment = comment.strip() or None
        lead.closed_at = now
        self._set_status(session, lead, LeadStatus.CLOSED, now, CLOSE_REASON_LABELS[reason])

    def record_opposition(self, lead_id: uuid.UUID, note: str = "") -> None:
        """The consumer asked never to be called again: every queue honours it."""
        now = self._clock()
        with self._sessions.begin() as session:
            lead = self._lead(session, lead_id)
            running = self._open_attempt(session, lead)
            if running is not None:  # said during the call: the call ends on a refusal
                running.disposition = Disposition.NOT_INTERESTED
                running.duration_seconds = max(0, int((now - running.started_at).total_seconds()))
                running.notes = note.strip()
            session.add(
                Opposition(
                    phone_e164=lead.phone_e164,
                    recorded_at=now,
                    recorded_by_id=self._user.id,
                    lead_id=lead.id,
                    note=note.strip(),
                )
            )
            if LeadStatus(lead.status) in OPEN_STATUSES:
                self._close(session, lead, CloseReason.OPPOSITION, note, now)
