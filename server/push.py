"""Applying a workstation's pushed edits: field-level merge by hybrid logical clock.

For each field the edit with the larger stamp wins, the same way whatever order edits arrive
in. When the pushing workstation had not seen the value it replaces or loses to (its base
stamp differs from the field's stamp) and the two values differ, the edits were concurrent:
the loser is kept as a SyncConflict row for a person to look at. Every operation is recorded
with its answer, so a retried push gets the stored answer and is never applied twice.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.dispatch.matching import DispatchPolicy
from app.ids import uuid7
from app.persistence.models import CallAttempt, Lead, SyncConflict
from app.services.leads.derived import recompute_leads
from server.collection import refusal as collection_refusal
from server.contracts import refusal as contract_refusal
from server.persistence.models import AppliedOperation
from server.rights import edit_refusal, insert_refusal
from server.scope import UserScope
from server.validation import unknown_reference
from sync.hlc import CLOCK_AHEAD, MAX_AHEAD, MAX_STAMP_LENGTH, Stamp, later, newest
from sync.schema import BY_NAME, SyncedTable, encode, field_clock, set_field_clock
from sync.wire_schema import InvalidRow, check_row

log = logging.getLogger(__name__)

# Operation kinds a workstation sends (a delete is an update of `deleted`).
KINDS = ("insert", "update")


@dataclass(frozen=True)
class Operation:
    op_id: uuid.UUID
    table: str
    row_id: uuid.UUID
    kind: str  # insert / update
    hlc: str
    fields: dict[str, Any]
    base: dict[str, str]


class Refused(Exception):
    pass


class ClockAhead(Refused):
    """The operation's stamp is too far ahead of the server's time: the workstation may
    stamp it again and push it anew (its answer carries `code`: CLOCK_AHEAD)."""


@dataclass(frozen=True)
class Malformed:
    """A pushed operation that is not one: refused alone, never stored (the same payload
    pushed again gets the same answer)."""

    op_id: str | None
    message: str

    def answer(self) -> dict[str, Any]:
        return {"op": self.op_id, "status": "rejected", "message": self.message}


def _uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def parse_operation(raw: Any) -> Operation | Malformed:
    """One pushed operation from its raw JSON value, or why it is not one (French)."""
    if not isinstance(raw, dict):
        return Malformed(None, "Opération illisible : un objet JSON est attendu.")
    op_id = _uuid(raw.get("op"))
    if op_id is None:
        return Malformed(None, "Opération sans identifiant lisible (« op »).")

    def refused(message: str) -> Malformed:
        return Malformed(str(op_id), message)

    table, kind, hlc = raw.get("table"), raw.get("kind"), raw.get("hlc")
    row_id = _uuid(raw.get("id"))
    fields, base = raw.get("fields"), raw.get("base", {})
    if not isinstance(table, str) or table not in BY_NAME:
        return refused(f"Table inconnue : {str(table)[:60]}.")
    if row_id is None:
        return refused("Identifiant d'enregistrement illisible (« id »).")
    if kind not in KINDS:
        return refused(f"Opération inconnue : {str(kind)[:20]}.")
    if not isinstance(hlc, str) or not hlc or len(hlc) > MAX_STAMP_LENGTH:
        return refused("Horodatage de synchronisation illisible (« hlc »).")
    if not isinstance(fields, dict):
        return refused("Champs illisibles : un objet JSON est attendu (« fields »).")
    if base is None:
        base = {}
    if not isinstance(base, dict) or not all(
        isinstance(v, str) and len(v) <= MAX_STAMP_LENGTH for v in base.values()
    ):
        return refused("Horodatages de base illisibles (« base »).")
    return Operation(op_id, table, row_id, kind, hlc, fields, base)


def apply_push(
    session: Session,
    scope: UserScope,
    operations: list[Operation],
    now: datetime,
    dispatch: DispatchPolicy | None = None,
    max_ahead: timedelta = MAX_AHEAD,
) -> tuple[list[dict[str, Any]], list[Any]]:
    """Apply operations in order; returns (answers, changed rows). The caller commits.

    `max_ahead`: how far ahead of `now` a pushed stamp may be (ServerConfig.clock_max_ahead).
    """
    policy = dispatch or DispatchPolicy()
    known = {
        op.op_id: op.result
        for op in session.scalars(
            select(AppliedOperation).where(
                AppliedOperation.op_id.in_([o.op_id for o in operations])
            )
        )
    }
    # Held here: the identity map only keeps weak references.
    loaded = _load_rows(session, [o for o in operations if o.op_id not in known])
    batch = _Batch(session, scope, now, policy, max_ahead)
    try:
        # Fast path: the whole chunk in one SAVEPOINT. A refusal is raised before an operation
        # writes anything, so only an error nobody foresaw needs the slow path below.
        with session.begin_nested():
            answers, changed, touched_leads = batch.apply(operations, dict(known), alone=False)
            session.flush()
    except OperationalError:
        raise  # a deadlock or a lost connection: the whole transaction is retried
    except Exception as exc:
        log.warning("push chunk applied again operation by operation after: %s", exc)
        answers, changed, touched_leads = batch.apply(operations, dict(known), alone=True)
        session.flush()
    del loaded
    if touched_leads:
        recompute_leads(session.connection(), touched_leads)
    return answers, changed


@dataclass
class _Batch:
    session: Session
    scope: UserScope
    now: datetime
    policy: DispatchPolicy
    max_ahead: timedelta

    def apply(
        self, operations: list[Operation], known: dict[uuid.UUID, str], alone: bool
    ) -> tuple[list[dict[str, Any]], list[Any], set[uuid.UUID]]:
        """Apply operations in order: (answers, changed rows, leads to recompute). `alone`:
        each in a SAVEPOINT of its own, so an unforeseen database error refuses it alone."""
        session, scope, now = self.session, self.scope, self.now
        answers: list[dict[str, Any]] = []
        changed: list[Any] = []
        touched_leads: set[uuid.UUID] = set()
        references: set[tuple[str, uuid.UUID]] = set()
        for op in operations:
            if op.op_id in known:
                answers.append(orjson.loads(known[op.op_id]))
                continue
            try:
                _check_stamp(op, now, self.max_ahead)
            except ClockAhead as exc:
                answer = {"status": "rejected", "message": str(exc), "code": CLOCK_AHEAD}
            except Refused as exc:
                answer = {"status": "rejected", "message": str(exc)}
            else:
                apply = _apply_alone if alone else _apply_refusing
                answer = apply(
                    session, scope, op, now, changed, touched_leads, self.policy, references
                )
            answer["op"] = str(op.op_id)
            result = orjson.dumps(answer).decode()
            known[op.op_id] = result  # the same op twice in a batch: applied once
            session.add(
                AppliedOperation(
                    op_id=op.op_id, user_id=scope.user_id, applied_at=now, result=result
                )
            )
            answers.append(answer)
        return answers, changed, touched_leads


def _apply_refusing(
    session: Session,
    scope: UserScope,
    op: Operation,
    now: datetime,
    changed: list[Any],
    touched_leads: set[uuid.UUID],
    policy: DispatchPolicy,
    references: set[tuple[str, uuid.UUID]],
) -> dict[str, Any]:
    """Apply one operation; a refusal (raised before it writes anything) refuses it alone."""
    try:
        return _apply(session, scope, op, now, changed, touched_leads, policy, references)
    except Refused as exc:
        return {"status": "rejected", "message": str(exc)}


def _apply_alone(
    session: Session,
    scope: UserScope,
    op: Operation,
    now: datetime,
    changed: list[Any],
    touched_leads: set[uuid.UUID],
    policy: DispatchPolicy,
    references: set[tuple[str, uuid.UUID]],
) -> dict[str, Any]:
    """Apply one operation inside a SAVEPOINT: a refusal, or an error nobody foresaw, undoes
    that operation alone and the rest of the batch applies."""
    own_changes: list[Any] = []
    own_leads: set[uuid.UUID] = set()
    own_references: set[tuple[str, uuid.UUID]] = set(references)
    try:
        with session.begin_nested():
            answer = _apply(session, scope, op, now, own_changes, own_leads, policy, own_references)
    except Refused as exc:
        return {"status": "rejected", "message": str(exc)}
    except OperationalError:
        raise  # a deadlock or a lost connection: the whole transaction is retried
    except Exception:
        log.exception("pushed operation %s refused after an unexpected error", op.op_id)
        return {
            "status": "rejected",
            "message": "Opération refusée : le serveur n'a pas pu l'enregistrer.",
        }
    changed.extend(own_changes)
    touched_leads.update(own_leads)
    references.update(own_references)
    return answer


def _load_rows(session: Session, operations: list[Operation]) -> list[Any]:
    """Lock and load the rows a batch touches in one query per table (identity-map hits)."""
    by_table: dict[str, list[uuid.UUID]] = {}
    loaded: list[Any] = []
    for op in operations:
        by_table.setdefault(op.table, []).append(op.row_id)
    for table, ids in by_table.items():
        spec = BY_NAME.get(table)
        if spec is None:
            continue
        for start in range(0, len(ids), 500):
            loaded.extend(
                session.scalars(
                    select(spec.model)
                    .where(spec.model.id.in_(ids[start : start + 500]))
                    .with_for_update()
                )
            )
    return loaded


def _check_stamp(op: Operation, now: datetime, max_ahead: timedelta) -> None:
    """A well-formed stamp, not beyond the server's time plus the bound: a stamp far in the
    future would win every later edit and drag every workstation's clock that pulls it."""
    try:
        stamp = Stamp.parse(op.hlc)
    except ValueError:
        raise Refused("horodatage de synchronisation invalide") from None
    ahead_ms = stamp.millis - int(now.timestamp() * 1000)  # ints: millis may be enormous
    if ahead_ms > max_ahead.total_seconds() * 1000:
        raise ClockAhead(
            "horloge du poste en avance sur le serveur "
            f"({_duration(ahead_ms // 1000)}, au-delà de "
            f"{_duration(int(max_ahead.total_seconds()))}) : "
            "la modification sera horodatée à nouveau et renvoyée"
        )
    if len(op.hlc) > MAX_STAMP_LENGTH:
        raise Refused("horodatage de synchronisation invalide")


def _duration(seconds: int) -> str:
    if seconds >= 86400 * 2:
        return f"{seconds // 86400} jours"
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _apply(
    session: Session,
    scope: UserScope,
    op: Operation,
    now: datetime,
    changed: list[Any],
    touched_leads: set[uuid.UUID],
    policy: DispatchPolicy,
    references: set[tuple[str, uuid.UUID]] | None = None,
) -> dict[str, Any]:
    spec = BY_NAME.get(op.table)
    if spec is None:
        raise Refused(f"table inconnue : {op.table}")
    try:
        values = check_row(spec.name, op.fields, op.kind == "insert")
    except InvalidRow as exc:
        raise Refused(str(exc)) from None
    unknown = unknown_reference(session, spec, values, set() if references is None else references)
    if unknown:
        raise Refused(unknown)
    # Locked by _load_rows; a plain get reads the identity map without a query or autoflush.
    row = session.get(spec.model, op.row_id)
    if op.kind == "insert":
        if not spec.client_inserts:
            raise Refused("création non autorisée sur cette table")
        if row is not None:
            return {"status": "applied"}  # the same record, born once
        allowed = set(spec.content_columns) - spec.derived - spec.local_only
        values = {k: v for k, v in values.items() if k in allowed}
        refused = (
            insert_refusal(scope, spec.name, values, session)
            or contract_refusal(session, spec.name, None, values, True, policy)
            or collection_refusal(session, spec.name, values, True)
        )
        if refused:
            raise Refused(refused)
        row = spec.model(id=op.row_id, hlc=op.hlc, field_clocks="{}", **values)
        session.add(row)
        changed.append(row)
        _note_lead(spec, row, touched_leads)
        return {"status": "applied"}
    if op.kind != "update":
        raise Refused(f"opération inconnue : {op.kind}")
    if row is None:
        raise Refused("enregistrement inconnu du serveur")
    forbidden = set(values) - spec.client_fields
    if forbidden:
        raise Refused("champs non modifiables : " + ", ".join(sorted(forbidden)))
    refused = (
        edit_refusal(scope, spec.name, row, values, session)
        or contract_refusal(session, spec.name, row, values, False, policy)
        or collection_refusal(session, spec.name, values, False)
    )
    if refused:
        raise Refused(refused)
    conflicts = _merge(session, spec, row, op, values, scope.user_id, now)
    changed.append(row)
    changed.extend(conflicts)
    _note_lead(spec, row, touched_leads, values)
    return {"status": "conflict" if conflicts else "applied"}


# Lead fields the derived ones (count, priority, search keys) are computed from.
_DERIVED_INPUTS = frozenset(
    {"submitted_at", "budget_cents", "interest_score", "first_name", "last_name", "postcode"}
)


def _note_lead(
    spec: SyncedTable, row: Any, touched_leads: set[uuid.UUID], fields: Any = None
) -> None:
    if spec.model is Lead:
        if fields is None or _DERIVED_INPUTS.intersection(fields):
            touched_leads.add(row.id)
    elif spec.model is CallAttempt:
        touched_leads.add(row.lead_id)


@dataclass(frozen=True)
class _Side:
    value: Any
    hlc: str
    user: str | None


def _merge(
    session: Session,
    spec: SyncedTable,
    row: Any,
    op: Operation,
    values: dict[str, Any],
    user_id: uuid.UUID,
    now: datetime,
) -> list[SyncConflict]:
    conflicts: list[SyncConflict] = []
    clocks: dict[str, Any] = orjson.loads(row.field_clocks or "{}")
    pushed = {name: _Side(value, op.hlc, str(user_id)) for name, value in values.items()}
    if row.deleted and values.get("deleted") is not True:
        # An edit that arrives for a record deleted meanwhile is shown, not dropped.
        for name, side in pushed.items():
            if name not in ("updated_at", "deleted"):
                stored = _Side(getattr(row, name), *field_clock(clocks, name, row.hlc))
                conflicts.append(_conflict(spec, row, name, stored, side, now, "deleted"))
    else:
        for name, side in pushed.items():
            stored = _Side(getattr(row, name), *field_clock(clocks, name, row.hlc))
            differs = encode(stored.value) != encode(side.value) and name != "updated_at"
            if later(side.hlc, stored.hlc):
                if differs and op.base.get(name, "") != stored.hlc:
                    conflicts.append(_conflict(spec, row, name, side, stored, now))
                setattr(row, name, side.value)
                set_field_clock(clocks, name, side.hlc, user_id)
            elif later(stored.hlc, side.hlc) and differs:
                conflicts.append(_conflict(spec, row, name, stored, side, now))
        row.field_clocks = orjson.dumps(clocks).decode()
    session.add_all(conflicts)
    return conflicts


def _conflict(
    spec: SyncedTable,
    row: Any,
    name: str,
    winner: _Side,
    loser: _Side,
    now: datetime,
    kind: str = "field",
) -> SyncConflict:
    return SyncConflict(
        id=uuid7(),
        table_name=spec.name,
        row_id=row.id,
        field=name,
        winner_value=orjson.dumps(encode(winner.value)).decode(),
        winner_hlc=winner.hlc,
        winner_user_id=uuid.UUID(winner.user) if winner.user else None,
        loser_value=orjson.dumps(encode(loser.value)).decode(),
        loser_hlc=loser.hlc,
        loser_user_id=uuid.UUID(loser.user) if loser.user else None,
        kind=kind,
        detected_at=now,
        resolved=False,
        hlc=newest((winner.hlc, loser.hlc)),
        field_clocks="{}",
        created_at=now,
        updated_at=now,
        deleted=False,
    )
