"""The central server's HTTP API (FastAPI). Stateless: everything lives in the database.

No `from __future__ import annotations` here: FastAPI reads the endpoint annotations at
run time, and they refer to names local to create_app.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, TypeVar

import orjson
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import JSONResponse as StarletteJSONResponse

from app.clock import paris_today, utc_now
from app.domain.contracts import RequestKind, RequestState
from app.domain.enums import DesiredStart, JourneyEventKind, LeadStatus, Role
from app.persistence.models import Category, JourneyEvent, Lead
from app.persistence.models import User as UserRow
from app.services.demand_history import DemandSelection, history_to_json, read_demand_history
from app.services.leads.intake import (
    DESCRIPTION_MAX,
    JOURNEY_MAX_STEPS,
    STEP_SECONDS_MAX,
    JourneyInput,
    LeadSubmission,
)
from app.services.leads.lead_detail import lead_detail_to_json, read_lead_detail
from app.services.leads.queue import search_results
from server import auth, collection, invoicing
from server import intake as intake_flow
from server.api_errors import install_error_handlers
from server.api_models import (
    MAX_CENTS,
    CollectionDate,
    CreditNoteOut,
    DebitRunOut,
    DemandHistoryOut,
    DispatchOut,
    HelloOut,
    IntakeOut,
    InvoiceMonth,
    InvoiceRunOut,
    LeadDetailOut,
    LeadSearchOut,
    PullPage,
    PushOut,
    RecentInstant,
    SignInOut,
    error_responses,
)
from server.config import ServerConfig
from server.contracts import answer_request, pending_requests
from server.dispatch import (
    Placed,
    backfill_candidates,
    dispatch_sessions,
    released_without_placement,
    run_each,
)
from server.disputes import settle_dispute
from server.dunning import dunning_requests
from server.limits import BodySizeLimit, StrictJSONRoute
from server.persistence.database import server_engines, session_factory
from server.pull import read_page
from server.push import Malformed, Operation, apply_push, parse_operation
from server.scope import UserScope
from server.sequence import stamp_changes
from sync.engine import PUSH_BATCH
from sync.schema import SCHEMA_VERSION

log = logging.getLogger(__name__)
T = TypeVar("T")

# The workstation pushes at most PUSH_BATCH operations at a time; more is not a workstation.
MAX_PUSH_OPERATIONS = PUSH_BATCH
# Operations applied per write transaction (row locks and the sequence lock held that long:
# about 0.15 s for 250 on the bench, so intake waits little; fewer costs a commit each).
PUSH_CHUNK = 250

# Who may look leads up on the server (search, detail): everyone but the sales reps.
LEAD_READERS = frozenset({Role.EXPERT, Role.MANAGER, Role.ADMIN})
SEARCH_TEXT_MAX = 100
SEARCH_LIMIT_DEFAULT = 50
SEARCH_LIMIT_MAX = 200

OUTDATED = (
    "Cette version du poste de travail est trop ancienne pour le serveur : "
    "installez la mise à jour avant de synchroniser."
)


class JSONResponse(StarletteJSONResponse):
    """JSON by orjson. A JSONResponse subclass, so that the OpenAPI schema declares each
    endpoint's response model (any other Response class is declared as a bare string)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _length(column: Any) -> int:
    """The length of a String column: what the API accepts is what the database stores."""
    return column.property.columns[0].type.length


class SignIn(BaseModel):
    username: str = Field(max_length=_length(UserRow.username))
    # Hashing costs the server memory and time: no novel as a password.
    password: str = Field(max_length=1024)


class Unlock(BaseModel):
    """An account (its username) or a client address whose failed sign-ins are forgotten."""

    kind: Literal["account", "address"]
    subject: str = Field(min_length=1, max_length=128)


class PushedOperation(BaseModel):
    """What a workstation sends per operation (documentation only: each operation is parsed
    alone by server.push.parse_operation, so that a malformed one is refused alone)."""

    op: uuid.UUID
    table: str
    id: uuid.UUID
    kind: str
    hlc: str
    fields: dict[str, Any]
    base: dict[str, str] = {}


class LeadIds(BaseModel):
    lead_ids: list[uuid.UUID] = Field(max_length=1000)


class CreditNoteIn(BaseModel):
    reason: str = Field(min_length=3, max_length=200)
    # None: the whole invoice; else a partial credit note of this amount excl. VAT.
    net_cents: int | None = Field(default=None, gt=0, le=MAX_CENTS)


class DebitRunIn(BaseModel):
    collection_date: CollectionDate


class InvoiceRun(BaseModel):
    month: InvoiceMonth
    issue: bool = False


class DemandSelectionIn(BaseModel):
    """What a rep's demand simulation asks about (app/services/demand_history.py)."""

    category_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    departements: list[Annotated[str, Field(max_length=3)]] = Field(default=[], max_length=200)
    radius_zones: list[
        tuple[Annotated[str, Field(max_length=5)], Annotated[int, Field(ge=0, le=1000)]]
    ] = Field(default=[], max_length=200)
    exclude_provider_id: uuid.UUID | None = None


class Push(BaseModel):
    batch: uuid.UUID
    # Raw JSON values, shaped like PushedOperation: one bad operation must not fail the batch.
    ops: list[Any]


class JourneyStepIn(BaseModel):
    occurred_at: RecentInstant
    kind: JourneyEventKind
    label: str = Field(max_length=_length(JourneyEvent.label))
    duration_seconds: int = Field(default=0, ge=0, le=STEP_SECONDS_MAX)
    optional_step: bool = False


class ConsentIn(BaseModel):
    form_code: str = Field(min_length=1, max_length=_length(Lead.consent_form_code))
    at: RecentInstant
    wording_version: str = Field(min_length=1, max_length=_length(Lead.consent_wording_version))


class LeadIn(BaseModel):
    """A quote request as web forms post it. Lengths are the columns' (the phone and postcode
    as typed, spaces included, before they are normalized)."""

    category: str = Field(max_length=_length(Category.code))
    first_name: str = Field(max_length=_length(Lead.first_name))
    last_name: str = Field(max_length=_length(Lead.last_name))
    phone: str = Field(max_length=40)
    postcode: str = Field(max_length=10)
    city: str = Field(max_length=_length(Lead.city))
    email: str = Field(default="", max_length=_length(Lead.email))
    civility: str | None = Field(default=None, max_length=_length(Lead.civility))
    address_line: str | None = Field(default=None, max_length=_length(Lead.address_line))
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    budget_cents: int | None = Field(default=None, ge=0, le=MAX_CENTS)
    desired_start: DesiredStart = DesiredStart.UNKNOWN
    submitted_at: RecentInstant | None = None
    consent: ConsentIn | None = None
    journey: list[JourneyStepIn] = Field(default=[], max_length=JOURNEY_MAX_STEPS)
    # The consumer may ask to hear from fewer providers than the usual sharing.
    max_providers: int | None = Field(default=None, ge=1, le=10)

    def submission(self, site_code: str, now: datetime) -> LeadSubmission:
        def aware(at: datetime) -> datetime:
            return at if at.tzinfo else at.replace(tzinfo=UTC)

        return LeadSubmission(
            submitted_at=aware(self.submitted_at) if self.submitted_at else now,
            first_name=self.first_name,
            last_name=self.last_name,
            phone=self.phone,
            postcode=self.postcode,
            city=self.city,
            category_code=self.category,
            site_code=site_code,
            budget_cents=self.budget_cents,
            description=self.description,
            email=self.email,
            civility=self.civility,
            address_line=self.address_line,
            desired_start=self.desired_start,
            consent_form_code=self.consent.form_code if self.consent else None,
            consent_at=aware(self.consent.at) if self.consent else None,
            consent_wording_version=self.consent.wording_version if self.consent else None,
            max_providers=self.max_providers,
            journey=tuple(
                JourneyInput(
                    aware(j.occurred_at), j.kind, j.label, j.duration_seconds, j.optional_step
                )
                for j in self.journey
            ),
        )


def create_app(config: ServerConfig | None = None) -> FastAPI:
    config = config or ServerConfig.from_environment()
    state: dict[str, sessionmaker[Session]] = {}
    policy = config.dispatch
    throttle = auth.ThrottlePolicy()

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        # Migrations run once before the workers start (python -m server), never per worker.
        writer, reader = server_engines(config.database_url)
        state["write"], state["read"] = session_factory(writer), session_factory(reader)
        state["dispatch"] = dispatch_sessions(writer)
        # What a stopped server left undone: unanswered requests, unplaced released leads.
        after_commit(requests=read(pending_requests))
        sweep()
        sweeping = asyncio.create_task(sweep_forever())
        yield
        sweeping.cancel()
        writer.dispose()
        reader.dispose()

    api = FastAPI(title="CRM leads", lifespan=lifespan, default_response_class=JSONResponse)
    # Routes parse JSON strictly (set before any route is declared); bodies are bounded.
    api.router.route_class = StrictJSONRoute
    api.add_middleware(BodySizeLimit)
    install_error_handlers(api, JSONResponse)

    def write(work: Callable[[Session], T], sessions: str = "write") -> T:
        """Run `work` in a write transaction, retried when the database reports a deadlock."""
        for attempt in range(4):
            try:
                with state[sessions].begin() as session:
                    return work(session)
            except OperationalError as exc:
                if attempt == 3 or not _retryable(exc):
                    raise
                log.warning("write transaction retried after %s", exc.orig)
        raise AssertionError("unreachable")

    def read(work: Callable[[Session], T]) -> T:
        with state["read"]() as session, session.begin():
            return work(session)

    def place(session_work: Callable[[Session], T]) -> T:
        return write(session_work, "dispatch")

    def after_commit(
        requests: Iterable[uuid.UUID] = (),
        leads: Iterable[uuid.UUID] = (),
        disputes: Iterable[uuid.UUID] = (),
    ) -> list[Placed]:
        """Server commands that follow a committed change, each in its own transaction."""
        placed: list[Placed] = []
        for dispute_id in disputes:
            write(lambda s, d=dispute_id: settle_dispute(s, d, utc_now()))
        for request_id in requests:
            answered = write(lambda s, r=request_id: answer_request(s, r, utc_now()))
            if (
                answered is not None
                and answered.state == RequestState.DONE
                and answered.kind in (RequestKind.ACTIVATE, RequestKind.RESUME)
            ):
                backlog = read(
                    lambda s, v=answered.version_id: backfill_candidates(s, v, utc_now(), policy)
                )
                placed += run_each(
                    place, backlog, utc_now, policy, frozenset({answered.version_id})
                )
        placed += run_each(place, list(leads), utc_now, policy)
        return placed

    def dunning() -> None:
        """Suspend the contracts of providers with invoices unpaid past the delay, resume the
        ones whose unpaid invoices were settled."""
        # READ COMMITTED: the pending requests it checks are the committed ones, not a snapshot.
        made = write(lambda s: dunning_requests(s, utc_now(), config.dunning), "dispatch")
        after_commit(requests=made)

    def sweep() -> None:
        dunning()
        after_commit(leads=read(lambda s: released_without_placement(s, utc_now(), policy)))

    async def sweep_forever() -> None:
        while True:
            await asyncio.sleep(config.sweep_seconds)
            try:
                await run_in_threadpool(sweep)
            except Exception:
                log.exception("periodic sweep failed; next one in %s s", config.sweep_seconds)

    def read_session() -> Iterator[Session]:
        with state["read"]() as session, session.begin():
            yield session

    def check_schema(x_schema_version: Annotated[int | None, Header()] = None) -> None:
        if x_schema_version is not None and x_schema_version != SCHEMA_VERSION:
            raise HTTPException(426, OUTDATED)

    def current_user(request: Request) -> tuple[UserScope, str]:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise HTTPException(401, "Connexion requise.")
        token = header[7:].strip()
        with state["read"]() as session:
            try:
                return auth.authenticate(session, token, utc_now()), token
            except auth.AuthFailed as exc:
                raise HTTPException(401, str(exc)) from None

    SignedIn = Annotated[tuple[UserScope, str], Depends(current_user)]  # noqa: N806

    @api.get("/api/v1/hello", response_model=HelloOut)
    def hello() -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, "server_time": utc_now().isoformat()}

    @api.post(
        "/api/v1/auth/sign-in",
        response_model=SignInOut,
        responses=error_responses(401, 413, 422, 429),
    )
    def sign_in(body: SignIn, request: Request) -> dict[str, Any]:
        """Throttled per account and per address before any password is hashed (an argon2
        hash costs 64 MiB): an attempt is counted first, and taken back once it proves right."""
        address = request.client.host if request.client else "unknown"

        def count(session: Session) -> None:
            auth.count_attempt(session, body.username, address, utc_now(), throttle)

        def issue(session: Session) -> auth.IssuedToken:
            issued = auth.issue_token(session, user_id, utc_now(), config.token_hours)
            auth.take_back_attempt(session, body.username, address, throttle)
            return issued

        try:
            try:
                write(count)
            except IntegrityError:
                write(count)  # a first failure raced on two workers: the retry counts it
            # Outside any write transaction: the hash must not hold the database's write lock.
            user_id = read(lambda s: auth.check_password(s, body.username, body.password))
            issued = write(issue)
        except auth.Throttled as refused:
            raise HTTPException(
                429, str(refused), headers={"Retry-After": str(refused.retry_after)}
            ) from None
        except auth.AuthFailed as exc:
            raise HTTPException(401, str(exc)) from None
        return {
            "token": issued.token,
            "expires_at": issued.expires_at.isoformat(),
            "user": {
                "id": str(issued.user.id),
                "username": issued.user.username,
                "display_name": issued.user.display_name,
                "role": issued.user.role,
            },
        }

    @api.get("/api/v1/auth/locks", responses=error_responses(401, 403))
    def sign_in_locks(user: SignedIn) -> dict[str, Any]:
        """Accounts and addresses with recent failed sign-ins, the locked ones first."""
        if user[0].role not in (Role.MANAGER, Role.ADMIN):
            raise HTTPException(403, "Réservé aux managers et administrateurs.")
        return {"locks": read(lambda s: auth.throttle_entries(s, utc_now()))}

    @api.post(
        "/api/v1/auth/locks/unlock",
        status_code=204,
        responses=error_responses(401, 403, 404, 413, 422),
    )
    def sign_in_unlock(body: Unlock, user: SignedIn) -> Response:
        if user[0].role not in (Role.MANAGER, Role.ADMIN):
            raise HTTPException(403, "Réservé aux managers et administrateurs.")
        if not write(lambda s: auth.unlock(s, body.kind, body.subject, user[0].user_id)):
            raise HTTPException(404, "Aucun échec de connexion enregistré pour ce compte.")
        return Response(status_code=204)

    @api.post("/api/v1/auth/sign-out", status_code=204, responses=error_responses(401))
    def sign_out(user: SignedIn) -> Response:
        write(lambda session: auth.sign_out(session, user[1]))
        return Response(status_code=204)

    def set_active(user_id: uuid.UUID, user: UserScope, active: bool) -> Response:
        try:
            changed = write(lambda s: auth.set_account_active(s, user, user_id, active, utc_now()))
        except auth.AccountRefused as refused:
            raise HTTPException(refused.status, str(refused)) from None
        if changed is None:
            raise HTTPException(404, "Compte inconnu.")
        return Response(status_code=204)

    @api.post(
        "/api/v1/users/{user_id}/disable",
        status_code=204,
        responses=error_responses(401, 403, 404, 409, 422),
    )
    def disable(user_id: uuid.UUID, user: SignedIn) -> Response:
        """Disable an account and revoke its sessions (synced: every workstation hears it)."""
        return set_active(user_id, user[0], active=False)

    @api.post(
        "/api/v1/users/{user_id}/enable",
        status_code=204,
        responses=error_responses(401, 403, 404, 409, 422),
    )
    def enable(user_id: uuid.UUID, user: SignedIn) -> Response:
        """Re-enable a disabled account; it signs in again with its password."""
        return set_active(user_id, user[0], active=True)

    @api.post(
        "/api/v1/sync/push",
        dependencies=[Depends(check_schema)],
        response_model=PushOut,
        response_model_exclude_unset=True,
        responses=error_responses(401, 413, 422, 426, 429),
    )
    def push(body: Push, user: SignedIn) -> dict[str, Any]:
        if len(body.ops) > MAX_PUSH_OPERATIONS:
            raise HTTPException(
                413,
                f"Trop d'opérations dans un envoi ({len(body.ops)}) : "
                f"au plus {MAX_PUSH_OPERATIONS} par envoi.",
            )
        parsed = [parse_operation(raw) for raw in body.ops]
        operations = [o for o in parsed if isinstance(o, Operation)]

        def work(session: Session, chunk: list[Operation]) -> list[dict[str, Any]]:
            answers, changed = apply_push(
                session, user[0], chunk, utc_now(), policy, config.clock_max_ahead
            )
            stamp_changes(session, changed)
            return answers

        # Each chunk is its own short transaction, so that a long push never holds intake up;
        # a retried batch gets the stored answers of the chunks already committed.
        answers: list[dict[str, Any]] = []
        for start in range(0, len(operations), PUSH_CHUNK):
            chunk = operations[start : start + PUSH_CHUNK]
            answers += write(lambda session, c=chunk: work(session, c))
        by_operation = iter(answers)
        results = [o.answer() if isinstance(o, Malformed) else next(by_operation) for o in parsed]
        applied = [
            op
            for op, answer in zip(operations, answers, strict=True)
            if answer["status"] != "rejected"
        ]
        after_commit(
            requests=[o.row_id for o in applied if o.table == "contract_requests"],
            leads=[
                o.row_id
                for o in applied
                if o.table == "leads" and o.fields.get("status") == LeadStatus.RELEASED
            ],
            disputes=[o.row_id for o in applied if o.table == "lead_disputes"],
        )
        if any(o.table == "payments" for o in applied):
            dunning()  # a reject may suspend at once, a payment may resume
        return {"batch": str(body.batch), "results": results}

    @api.post(
        "/api/v1/collection/debit-runs",
        response_model=DebitRunOut,
        responses=error_responses(401, 403, 413, 422),
    )
    def debit_run(body: DebitRunIn, user: SignedIn) -> dict[str, Any]:
        """Pick the invoices to collect on a date and record their debits; the workstation
        writes the pain.008 file from the answer."""
        if user[0].role not in (Role.MANAGER, Role.ADMIN):
            raise HTTPException(403, "Réservé aux managers et administrateurs.")
        try:
            run = write(
                lambda s: collection.debit_run(
                    s, body.collection_date, utc_now(), user[0].user_id, config.dunning
                ),
                "dispatch",
            )
        except collection.DebitRunRefused as refused:
            raise HTTPException(422, str(refused)) from None
        return {
            "batch_id": str(run.batch_id) if run.batch_id else None,
            "message_id": run.message_id,
            "collection_date": run.collection_date.isoformat(),
            "lines": [
                {
                    "end_to_end_id": line.end_to_end_id,
                    "amount_cents": line.amount_cents,
                    "debtor_name": line.debtor_name,
                    "iban": line.iban,
                    "bic": line.bic,
                    "rum": line.rum,
                    "mandate_signed_on": line.mandate_signed_on.isoformat(),
                    "sequence_type": line.sequence_type,
                    "description": line.description,
                }
                for line in run.lines
            ],
            "skipped": [
                {
                    "number": s.number,
                    "buyer_name": s.buyer_name,
                    "open_cents": s.open_cents,
                    "reason": s.reason,
                }
                for s in run.skipped
            ],
        }

    @api.post(
        "/api/v1/invoicing/runs",
        response_model=InvoiceRunOut,
        responses=error_responses(401, 403, 413, 422),
    )
    def invoice_run(body: InvoiceRun, user: SignedIn) -> dict[str, Any]:
        """Preview (drafts, no number) or issue a month's invoices, one provider at a time."""
        if user[0].role not in (Role.MANAGER, Role.ADMIN):
            raise HTTPException(403, "Réservé aux managers et administrateurs.")
        month = date.fromisoformat(f"{body.month}-01")  # checked by InvoiceMonth
        if body.issue and month >= paris_today(utc_now()).replace(day=1):
            raise HTTPException(422, "Le mois n'est pas terminé : aperçu seulement.")
        work = invoicing.issue_invoice if body.issue else invoicing.preview_invoice
        rows = []
        for provider_id in read(lambda s: invoicing.providers_to_invoice(s, month)):

            def one(session: Session, p: uuid.UUID = provider_id) -> invoicing.RunRow:
                return work(session, p, month, utc_now())

            try:
                rows.append(write(one, "dispatch"))
            except IntegrityError:
                # Another run issued this provider's month meanwhile: the retry finds it.
                rows.append(write(one, "dispatch"))
        return {
            "month": body.month,
            "issued": body.issue,
            "invoices": [
                {
                    "provider_id": str(r.provider_id),
                    "company_name": r.company_name,
                    "invoice_id": str(r.invoice_id) if r.invoice_id else None,
                    "number": r.number,
                    "net_cents": r.net_cents,
                    "vat_cents": r.vat_cents,
                    "gross_cents": r.gross_cents,
                    "anomalies": list(r.anomalies),
                }
                for r in rows
            ],
        }

    @api.post(
        "/api/v1/invoicing/invoices/{invoice_id}/credit-note",
        response_model=CreditNoteOut,
        responses=error_responses(401, 403, 409, 413, 422),
    )
    def credit_note(invoice_id: uuid.UUID, body: CreditNoteIn, user: SignedIn) -> dict[str, Any]:
        """Cancel an issued invoice with a credit note (the invoice itself never changes)."""
        if user[0].role not in (Role.MANAGER, Role.ADMIN):
            raise HTTPException(403, "Réservé aux managers et administrateurs.")
        try:
            note = write(
                lambda s: invoicing.issue_credit_note(
                    s, invoice_id, body.reason, utc_now(), body.net_cents
                ),
                "dispatch",
            )
        except invoicing.CreditNoteRefused as refused:
            raise HTTPException(409, str(refused)) from None
        return {"id": str(note.id), "number": note.number, "gross_cents": note.gross_cents}

    @api.post(
        "/api/v1/dispatch/leads",
        response_model=DispatchOut,
        responses=error_responses(401, 403, 413, 422),
    )
    def dispatch_leads(body: LeadIds, user: SignedIn) -> dict[str, Any]:
        """Place released leads again (an unsold lead after coverage was added)."""
        if user[0].role not in (Role.MANAGER, Role.ADMIN):
            raise HTTPException(403, "Réservé aux managers et administrateurs.")
        placed = after_commit(leads=body.lead_ids)
        return {
            "placed": [
                {
                    "lead_id": str(p.lead_id),
                    "sold_to": [str(x) for x in p.sold_to],
                    "unsold_reason": p.unsold_reason,
                }
                for p in placed
            ]
        }

    @api.get(
        "/api/v1/sync/pull",
        dependencies=[Depends(check_schema)],
        # Declared for the schema; the page is sent as built (no second validation of it).
        response_model=PullPage,
        responses=error_responses(401, 422, 426),
    )
    def pull(
        user: SignedIn,
        session: Annotated[Session, Depends(read_session)],
        cursor: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=20000)] = 2000,
        removes_after: Annotated[int | None, Query(ge=0)] = None,
    ) -> Any:
        """`removes_after`: on a first download's later pages, the head its first page saw;
        only rows changed since can be on the workstation (trusted: it only holds back
        removes, the ids of rows this user may not see)."""
        return JSONResponse(
            read_page(
                session, user[0], cursor, min(limit, config.page_limit), removes_after=removes_after
            )
        )

    @api.post(
        "/api/v1/demand/history",
        response_model=DemandHistoryOut,
        responses=error_responses(401, 403, 413, 422),
    )
    def demand_history(
        body: DemandSelectionIn,
        user: SignedIn,
        session: Annotated[Session, Depends(read_session)],
    ) -> dict[str, Any]:
        """What the demand simulation reads, for reps whose workstations hold no leads."""
        if user[0].role not in (Role.SALES, Role.MANAGER, Role.ADMIN):
            raise HTTPException(403, "Réservé aux commerciaux, managers et administrateurs.")
        selection = DemandSelection.from_json(body.model_dump(mode="json"))
        return history_to_json(read_demand_history(session, selection, utc_now()))

    def lead_reader(user: SignedIn) -> UserScope:
        """Experts, managers and admins may look up any lead; reps hold no leads."""
        if user[0].role not in LEAD_READERS:
            raise HTTPException(
                403, "Les commerciaux ne consultent pas les leads : réservé à la qualification."
            )
        return user[0]

    LeadReader = Annotated[UserScope, Depends(lead_reader)]  # noqa: N806

    @api.get(
        "/api/v1/leads/search",
        response_model=LeadSearchOut,
        responses=error_responses(401, 403, 422),
    )
    def search_leads(
        _user: LeadReader,
        session: Annotated[Session, Depends(read_session)],
        q: Annotated[str, Query(min_length=1, max_length=SEARCH_TEXT_MAX)],
        limit: Annotated[int, Query(ge=1, le=SEARCH_LIMIT_MAX)] = SEARCH_LIMIT_DEFAULT,
    ) -> dict[str, Any]:
        """Every lead the text finds, whatever its state (closed, released, opposed): the
        workstation's own search (app/services/leads/queue.py), on every lead."""
        return {"leads": search_results(session, q, limit)}

    @api.get(
        "/api/v1/leads/{lead_id}",
        response_model=LeadDetailOut,
        responses=error_responses(401, 403, 404, 422),
    )
    def lead_detail(
        lead_id: uuid.UUID,
        _user: LeadReader,
        session: Annotated[Session, Depends(read_session)],
    ) -> dict[str, Any]:
        """A lead as the workstation's panel shows it (read-only there)."""
        detail = read_lead_detail(session, lead_id, utc_now())
        if detail is None:
            raise HTTPException(404, "Lead inconnu.")
        return lead_detail_to_json(detail)

    @api.post(
        "/api/v1/intake/leads",
        status_code=201,
        response_model=IntakeOut,
        responses={
            200: {"model": IntakeOut, "description": "Rattachée à une demande antérieure"},
            **error_responses(401, 403, 413, 422, 429),
        },
    )
    def intake(
        body: LeadIn,
        x_api_key: Annotated[str | None, Header(max_length=200)] = None,
        idempotency_key: Annotated[str | None, Header(max_length=80)] = None,
    ) -> Response:
        body_hash = intake_flow.submission_hash(body.model_dump(mode="json"))

        def count(session: Session) -> None:
            # Its own transaction: refused and invalid requests count against the rate too.
            site = intake_flow.site_for_key(session, x_api_key)
            intake_flow.count_request(session, site, utc_now(), config.intake_per_minute)

        def work(session: Session) -> intake_flow.IntakeAnswer:
            now = utc_now()
            site = intake_flow.site_for_key(session, x_api_key)
            return intake_flow.receive(
                session, site, body.submission(site.code, now), idempotency_key, now, body_hash
            )

        try:
            write(count)
            try:
                answer = write(work)
            except IntegrityError:
                # The same idempotency key raced on two workers: the retry finds the first.
                answer = write(work)
            if not answer.linked:
                after_commit(leads=[answer.lead_id])  # a small lead is released at once
        except intake_flow.IntakeRefused as refused:
            headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
            raise HTTPException(refused.status, str(refused), headers=headers) from None
        except intake_flow.InvalidSubmission as invalid:
            return JSONResponse(
                {
                    "detail": "Demande invalide : " + _joined(invalid.errors),
                    "errors": invalid.errors,
                },
                status_code=422,
            )
        return JSONResponse(
            {"lead_id": str(answer.lead_id), "linked_to_existing": answer.linked},
            status_code=answer.status,
        )

    return api


def _joined(errors: dict[str, str]) -> str:
    return " ; ".join(f"{name} : {message}" for name, message in errors.items())


def _retryable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return any(word in text for word in ("deadlock", "database is locked", "could not serialize"))
