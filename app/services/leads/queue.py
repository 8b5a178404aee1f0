"""Reading the qualification queue: pages in priority order, next callable lead, search."""

from __future__ import annotations

import dataclasses
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.contact import phone_prefix_key, phone_search_key
from app.domain.enums import OPEN_STATUSES, CallbackStatus, Disposition, LeadStatus
from app.domain.postcodes import zone_for_departement
from app.persistence.models import CallAttempt, Callback, Category, Lead
from app.policy.calling_rules import (
    DEFAULT_CALLING_RULES,
    LEAD_NOT_OPEN,
    CallDecision,
    CallingRules,
    ConsumerCallHistory,
    evaluate_call,
)
from app.services.leads.call_history import call_histories


class QueueView(StrEnum):
    CALL_QUEUE = "call_queue"  # due callbacks, then leads to qualify by priority
    CALLBACKS = "callbacks"  # callbacks scheduled, by due time
    QUALIFIED = "qualified"  # qualified, waiting for release


@dataclass(frozen=True)
class QueueRow:
    lead_id: uuid.UUID
    number: int
    submitted_at: datetime
    full_name: str
    phone_e164: str
    postcode: str
    city: str
    departement_code: str
    category_name: str
    budget_cents: int | None
    interest_score: int
    attempts: int
    status: LeadStatus
    priority_key: float
    callback_due_at: datetime | None = None
    callback_consented: bool = False
    has_consent_proof: bool = True
    call: CallDecision | None = None
    # Found by the server's search, not held by this workstation (read-only there).
    from_server: bool = False
    last_outcome: Disposition | None = None


@dataclass(frozen=True)
class QueueCursor:
    """Keyset position: the last row read (sort value and id)."""

    sort_value: float | datetime
    lead_id: uuid.UUID


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: QueueCursor | None  # None when the end is reached


def search_name_key(text: str) -> str:
    """Lower case, accents and punctuation removed: 'Lefèvre-Dupont' -> 'lefevre dupont'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    cleaned = "".join(c if c.isalnum() else " " for c in plain)
    return " ".join(cleaned.split())


_ROW_COLUMNS = (
    Lead.id,
    Lead.number,
    Lead.submitted_at,
    Lead.first_name,
    Lead.last_name,
    Lead.phone_e164,
    Lead.postcode,
    Lead.city,
    Lead.departement_code,
    Category.name,
    Lead.budget_cents,
    Lead.interest_score,
    Lead.call_attempt_count,
    Lead.status,
    Lead.priority_key,
    Lead.consent_form_code,
    Lead.consent_at,
    Lead.consent_wording_version,
)


def _lead_rows_query() -> Select[tuple]:
    return select(*_ROW_COLUMNS).join(Category, Category.id == Lead.category_id)


def _row(
    values: Sequence, callback_due_at: datetime | None = None, consented: bool = False
) -> QueueRow:
    (lead_id, number, submitted_at, first, last, phone, postcode, city, dep, category,
     budget, interest, attempts, status, key, form, consent_at, wording) = values  # fmt: skip
    return QueueRow(
        lead_id=lead_id,
        number=number,
        submitted_at=submitted_at,
        full_name=f"{last.upper()} {first}",
        phone_e164=phone,
        postcode=postcode,
        city=city,
        departement_code=dep,
        category_name=category,
        budget_cents=budget,
        interest_score=interest,
        attempts=attempts,
        status=LeadStatus(status),
        priority_key=key,
        callback_due_at=callback_due_at,
        callback_consented=consented,
        has_consent_proof=bool(form and consent_at and wording),
    )


SEARCH_LIMIT = 200


def search_conditions(text: str) -> list[ColumnElement[bool]]:
    """What a search text may mean, as conditions on Lead (any of them finds a lead): its
    number, its postcode, its phone (whole or its start) or the start of its name
    ("dupont je"). The one definition of search, for the workstation and the server."""
    query_text = text.strip()
    if not query_text:
        return []
    compact = query_text.replace(" ", "").replace(".", "").replace("-", "")
    conditions: list[ColumnElement[bool]] = []
    if compact.isdigit() and len(compact) <= 8:
        conditions.append(Lead.number == int(compact))
    if compact.isdigit() and len(compact) == 5:
        conditions.append(Lead.postcode == compact)
    phone = phone_search_key(query_text)
    if phone is not None:
        conditions.append(Lead.phone_e164 == phone)
    elif (prefix := phone_prefix_key(compact)) is not None and len(compact) >= 6:
        conditions.append(and_(Lead.phone_e164 >= prefix, Lead.phone_e164 < prefix + ":"))
    elif compact.startswith("+") and compact[1:].isdigit() and len(compact) >= 6:
        conditions.append(and_(Lead.phone_e164 >= compact, Lead.phone_e164 < compact + ":"))
    name = search_name_key(query_text)
    if name and not compact.lstrip("+").isdigit():
        conditions.append(name_prefix(Lead.search_name, name))
    return conditions


_SUCCESSOR = {c: chr(ord(c) + 1) for c in "abcdefghijklmnopqrstuvwxy012345678"}


def name_prefix(column: Any, key: str) -> ColumnElement[bool]:
    """`column` starts with `key` (a search_name_key), as an index range whatever the
    database's collation: linguistic ones (PostgreSQL's en_US, MariaDB's uca1400) sort
    punctuation before letters, so no "key~"-like bound holds there. The upper bound raises
    the last letter or digit that has a successor in every collation ("lez" -> "lf"), and
    LIKE keeps exactly the strings starting with the key."""
    exact = column.startswith(key, autoescape=True)
    for i in range(len(key) - 1, -1, -1):
        if key[i] in _SUCCESSOR:
            upper = key[:i] + _SUCCESSOR[key[i]]
            return and_(column >= key, column < upper, exact)
    return and_(column >= key, exact)


def find_leads(session: Session, text: str, limit: int = SEARCH_LIMIT) -> list[QueueRow]:
    """Every lead (any status, not deleted) the text finds, newest first, without call
    decisions. One query per meaning of the text, so that each uses its own index."""
    rows: dict[uuid.UUID, QueueRow] = {}
    for condition in search_conditions(text):
        query = _lead_rows_query().where(condition, Lead.deleted.is_(False)).limit(limit)
        for values in session.execute(query):
            rows.setdefault(values[0], _row(values))
    return sorted(rows.values(), key=lambda r: (r.submitted_at, r.lead_id), reverse=True)[:limit]


def _last_outcomes(
    session: Session, lead_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, datetime]]:
    """Each lead's last call with an outcome: (disposition, started at)."""
    last: dict[uuid.UUID, tuple[str, datetime]] = {}
    if not lead_ids:
        return last
    query = (
        select(CallAttempt.lead_id, CallAttempt.disposition, CallAttempt.started_at)
        .where(
            CallAttempt.lead_id.in_(lead_ids),
            CallAttempt.deleted.is_(False),
            CallAttempt.disposition != Disposition.PENDING,
        )
        .order_by(CallAttempt.started_at)
    )
    for lead_id, disposition, started_at in session.execute(query):
        last[lead_id] = (disposition, started_at)
    return last


def search_results(session: Session, text: str, limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
    """What the server's search answers: the leads `find_leads` finds, as JSON values, each
    with its status and its last call's outcome (read back by `row_from_search_result`)."""
    rows = find_leads(session, text, limit)
    last = _last_outcomes(session, [r.lead_id for r in rows])
    results = []
    for row in rows:
        outcome, called_at = last.get(row.lead_id, (None, None))
        results.append(
            {
                "id": str(row.lead_id),
                "number": row.number,
                "name": row.full_name,
                "phone_e164": row.phone_e164,
                "postcode": row.postcode,
                "city": row.city,
                "departement_code": row.departement_code,
                "category": row.category_name,
                "status": str(row.status),
                "created_at": row.submitted_at.isoformat(),
                "budget_cents": row.budget_cents,
                "interest_score": row.interest_score,
                "attempts": row.attempts,
                "last_outcome": outcome,
                "last_call_at": called_at.isoformat() if called_at else None,
            }
        )
    return results


def row_from_search_result(data: dict[str, Any]) -> QueueRow:
    """A row of the server's search as the queue shows it (marked as found on the server)."""
    status = LeadStatus(data["status"])
    return QueueRow(
        lead_id=uuid.UUID(data["id"]),
        number=int(data["number"]),
        submitted_at=datetime.fromisoformat(data["created_at"]),
        full_name=data["name"],
        phone_e164=data["phone_e164"],
        postcode=data["postcode"],
        city=data["city"],
        departement_code=data["departement_code"],
        category_name=data["category"],
        budget_cents=data["budget_cents"],
        interest_score=data["interest_score"],
        attempts=data["attempts"],
        status=status,
        priority_key=0.0,
        # Its call state is the server's to tell: a lead no longer open is never callable.
        call=None if status in OPEN_STATUSES else LEAD_NOT_OPEN,
        from_server=True,
        last_outcome=Disposition(data["last_outcome"]) if data.get("last_outcome") else None,
    )


class QueueReader:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        rules: CallingRules = DEFAULT_CALLING_RULES,
        page_size: int = 100,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._rules = rules
        self.page_size = page_size

    # -- reading ------------------------------------------------------------------------

    def _with_decisions(
        self, session: Session, rows: list[QueueRow], now: datetime
    ) -> list[QueueRow]:
        histories = call_histories(session, (r.phone_e164 for r in rows), now, self._rules)
        decided = []
        for row in rows:
            if row.status not in OPEN_STATUSES:
                decided.append(dataclasses.replace(row, call=LEAD_NOT_OPEN))
                continue
            history = dataclasses.replace(
                histories.get(row.phone_e164, ConsumerCallHistory()),
                has_consent_proof=row.has_consent_proof,
            )
            decision = evaluate_call(
                now,
                zone_for_departement(row.departement_code),
                history,
                self._rules,
                consented_slot=row.callback_due_at if row.callback_consented else None,
            )
            decided.append(dataclasses.replace(row, call=decision))
        return decided

    def _callback_rows(
        self, session: Session, due_before: datetime | None, after: QueueCursor | None, limit: int
    ) -> list[QueueRow]:
        query = (
            select(*_ROW_COLUMNS, Callback.due_at, Callback.consumer_requested)
            .join(Category, Category.id == Lead.category_id)
            .join(Callback, Callback.lead_id == Lead.id)
            .where(
                Lead.status == LeadStatus.CALLBACK,
                Callback.status == CallbackStatus.PENDING,
                Callback.deleted.is_(False),
            )
            .order_by(Callback.due_at, Lead.id)
            .limit(limit)
        )
        if due_before is not None:
            query = query.where(Callback.due_at <= due_before)
        if after is not None:
            query = query.where(
                or_(
                    Callback.due_at > after.sort_value,
                    and_(Callback.due_at == after.sort_value, Lead.id > after.lead_id),
                )
            )
        return [_row(values[:-2], values[-2], values[-1]) for values in session.execute(query)]

    def _priority_rows(
        self, session: Session, status: LeadStatus, after: QueueCursor | None, limit: int
    ) -> list[QueueRow]:
        query = (
            _lead_rows_query()
            .where(Lead.status == status, Lead.deleted.is_(False))
            .order_by(Lead.priority_key.desc(), Lead.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(
                or_(
                    Lead.priority_key < after.sort_value,
                    and_(Lead.priority_key == after.sort_value, Lead.id > after.lead_id),
                )
            )
        return [_row(values) for values in session.execute(query)]

    def due_callbacks(self) -> list[QueueRow]:
        now = self._clock()
        with self._sessions() as session:
            rows = self._callback_rows(session, now, None, 1000)
            return self._with_decisions(session, rows, now)

    def page(self, view: QueueView, after: QueueCursor | None = None) -> QueuePage:
        """One page of a view in its order. The call queue's due callbacks are not paged:
        read them with due_callbacks()."""
        now = self._clock()
        limit = self.page_size
        with self._sessions() as session:
            if view == QueueView.CALLBACKS:
                rows = self._callback_rows(session, None, after, limit)
            else:
                status = (
                    LeadStatus.TO_QUALIFY if view == QueueView.CALL_QUEUE else LeadStatus.QUALIFIED
                )
                rows = self._priority_rows(session, status, after, limit)
            rows = self._with_decisions(session, rows, now)
        if len(rows) < limit:
            return QueuePage(rows, None)
        last = rows[-1]
        sort_value = last.callback_due_at if view == QueueView.CALLBACKS else last.priority_key
        assert sort_value is not None
        return QueuePage(rows, QueueCursor(sort_value, last.lead_id))

    def count(self, view: QueueView) -> int:
        with self._sessions() as session:
            if view == QueueView.CALLBACKS:
                status = LeadStatus.CALLBACK
            elif view == QueueView.QUALIFIED:
                status = LeadStatus.QUALIFIED
            else:
                status = LeadStatus.TO_QUALIFY
            total = session.scalar(
                select(func.count()).select_from(Lead).where(Lead.status == status)
            )
            if view == QueueView.CALL_QUEUE:
                total += (
                    session.scalar(
                        select(func.count())
                        .select_from(Callback)
                        .join(Lead, Lead.id == Callback.lead_id)
                        .where(
                            Lead.status == LeadStatus.CALLBACK,
                            Callback.status == CallbackStatus.PENDING,
                            Callback.deleted.is_(False),
                            Callback.due_at <= self._clock(),
                        )
                    )
                    or 0
                )
            return total or 0

    def next_callable(
        self, exclude: set[uuid.UUID] | frozenset[uuid.UUID] = frozenset(), max_pages: int = 50
    ) -> QueueRow | None:
        """The first lead of the call queue that may legally be called now."""
        for row in self.due_callbacks():
            if row.lead_id not in exclude and row.call is not None and row.call.allowed:
                return row
        cursor = None
        for _ in range(max_pages):
            page = self.page(QueueView.CALL_QUEUE, cursor)
            for row in page.rows:
                if row.lead_id not in exclude and row.call is not None and row.call.allowed:
                    return row
            if page.next_cursor is None:
                return None
            cursor = page.next_cursor
        return None

    def rows_for(self, lead_ids: Sequence[uuid.UUID]) -> list[QueueRow]:
        """Fresh rows (with decisions) for given leads, in the given order."""
        now = self._clock()
        with self._sessions() as session:
            found = {
                values[0]: _row(values)
                for values in session.execute(_lead_rows_query().where(Lead.id.in_(lead_ids)))
            }
            rows = [found[i] for i in lead_ids if i in found]
            return self._with_decisions(session, rows, now)

    # -- search -------------------------------------------------------------------------

    def search(self, text: str, limit: int = SEARCH_LIMIT) -> list[QueueRow]:
        """By lead number, phone (full or start), postcode, or name prefix ("dupont je"):
        every lead of the workspace whatever its state (closed and released ones too)."""
        now = self._clock()
        with self._sessions() as session:
            return self._with_decisions(session, find_leads(session, text, limit), now)
