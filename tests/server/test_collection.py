"""Collection on the server: the debit run (due invoices with a usable mandate, once, even when
two runs race), the checks on pushed payments and mandates, and the suspension of a provider
left unpaid past the delay, resumed once paid (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

import threading
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.billing.dunning import DunningPolicy
from app.billing.ledger import PaymentKind
from app.billing.sepa import Creditor, MandateKind, pain008
from app.domain.contracts import ContractStatus, RequestKind, RequestState
from app.persistence.models import (
    Contract,
    ContractRequest,
    ContractVersion,
    DebitBatch,
    Invoice,
    Payment,
    SepaMandate,
)
from app.services.billing.collection_queries import CollectionQueries
from app.services.billing.receivables import receivables
from server.collection import DebitRunRefused, debit_run, refusal
from server.contracts import answer_request
from server.dunning import dunning_requests
from tests.server.conftest import NOW, issue_all

POLICY = DunningPolicy()
# Invoices are issued on 1 December with 45 days to pay: due on 15 January.
DUE = date(2027, 1, 15)
RUN_AT = NOW + timedelta(days=50)  # 20 January 2027
COLLECTION = date(2027, 1, 22)  # a Friday
CREDITOR = Creditor("Leads & Co", "FR72ZZZ123456", "FR7630006000011234567890189", "AGRIFRPP")


def _add_mandate(sessions: sessionmaker[Session], provider_id: uuid.UUID, rum: str) -> uuid.UUID:
    with sessions.begin() as session:
        mandate = SepaMandate(
            provider_id=provider_id,
            rum=rum,
            debtor_name="Plomberie Paris",
            iban="FR7630004000031234567890143",
            kind=MandateKind.RECURRENT,
            signed_on=date(2026, 6, 1),
        )
        session.add(mandate)
        session.flush()
        return mandate.id


@pytest.fixture
def issued(books):  # type: ignore[no-untyped-def]
    sessions, dispatch, providers = books
    issue_all(dispatch)
    _add_mandate(sessions, providers["Paris"], "RUM-PARIS-1")
    return sessions, dispatch, providers


def _mandate_values(provider_id: uuid.UUID) -> dict[str, object]:
    """A mandate as a workstation pushes it (decoded)."""
    return {
        "provider_id": provider_id,
        "rum": "RUM-NEW",
        "debtor_name": "Plomberie Paris",
        "iban": "FR7630004000031234567890143",
        "bic": None,
        "kind": "recurrent",
        "signed_on": date(2026, 6, 1),
    }


def _open(sessions: sessionmaker[Session], provider_id: uuid.UUID) -> int:
    with sessions() as session:
        return sum(r.open_cents for r in receivables(session, Invoice.provider_id == provider_id))


def test_a_debit_run_collects_due_invoices_with_a_mandate_once(issued) -> None:  # type: ignore[no-untyped-def]
    sessions, dispatch, providers = issued
    assert _open(sessions, providers["Paris"]) > 0
    with dispatch.begin() as session:
        run = debit_run(session, COLLECTION, RUN_AT, None, POLICY)
    assert [line.sequence_type for line in run.lines] == ["FRST"]
    assert run.lines[0].rum == "RUM-PARIS-1"
    assert {s.reason for s in run.skipped} == {"pas de mandat SEPA utilisable"}
    assert len(run.skipped) == 2
    xml = pain008(CREDITOR, run.message_id or "", run.collection_date, run.lines)
    assert b"<SeqTp>FRST</SeqTp>" in xml and b"RUM-PARIS-1" in xml
    assert _open(sessions, providers["Paris"]) == 0
    with sessions() as session:
        mandate = session.scalars(select(SepaMandate)).one()
        assert mandate.last_collected_on == COLLECTION
        assert mandate.server_seq is not None
    with dispatch.begin() as session:
        again = debit_run(session, COLLECTION, RUN_AT, None, POLICY)
    assert again.batch_id is None and again.lines == []


def test_a_past_debit_file_is_made_again_with_the_same_lines(issued) -> None:  # type: ignore[no-untyped-def]
    """The pain.008 file of a past batch again: the lines as the run made them."""
    sessions, dispatch, _providers = issued
    with dispatch.begin() as session:
        run = debit_run(session, COLLECTION, RUN_AT, None, POLICY)
    assert run.batch_id is not None
    again = CollectionQueries(sessions).batch_file(run.batch_id)
    assert (again.message_id, again.collection_date) == (run.message_id, COLLECTION)
    assert again.lines == run.lines
    # A later batch on the same mandate is a recurring debit (RCUR), the first one stays FRST.
    with sessions.begin() as session:
        later = DebitBatch(
            message_id="PRLV-LATER", collection_date=COLLECTION + timedelta(days=31),
            count=1, total_cents=100,
        )  # fmt: skip
        session.add(later)
        session.flush()
        first = session.scalars(select(Payment).where(Payment.batch_id == run.batch_id)).one()
        session.add(
            Payment(
                provider_id=first.provider_id, invoice_id=first.invoice_id,
                kind=PaymentKind.DIRECT_DEBIT, amount_cents=100,
                received_on=later.collection_date, batch_id=later.id,
                mandate_id=first.mandate_id, end_to_end_id="E2E-LATER", recorded_at=RUN_AT,
            )
        )  # fmt: skip
        later_id = later.id
    queries = CollectionQueries(sessions)
    assert [line.sequence_type for line in queries.batch_file(later_id).lines] == ["RCUR"]
    assert [line.sequence_type for line in queries.batch_file(run.batch_id).lines] == ["FRST"]


def test_a_debit_run_waits_for_the_due_date_and_the_prenotice(issued) -> None:  # type: ignore[no-untyped-def]
    _sessions, dispatch, _providers = issued
    with dispatch.begin() as session:
        early = debit_run(session, date(2027, 1, 8), NOW + timedelta(days=20), None, POLICY)
    assert early.lines == []
    with pytest.raises(DebitRunRefused, match="week-end"), dispatch.begin() as session:
        debit_run(session, date(2027, 1, 23), RUN_AT, None, POLICY)
    with pytest.raises(DebitRunRefused, match="postérieure"), dispatch.begin() as session:
        debit_run(session, RUN_AT.date(), RUN_AT, None, POLICY)


def test_two_debit_runs_racing_debit_each_invoice_once(issued) -> None:  # type: ignore[no-untyped-def]
    sessions, dispatch, providers = issued
    for name in ("Réunion", "Guyane"):
        _add_mandate(sessions, providers[name], f"RUM-{name}")
    errors: list[BaseException] = []

    def run() -> None:
        for attempt in range(10):
            try:
                with dispatch.begin() as session:
                    debit_run(session, COLLECTION, RUN_AT, None, POLICY)
                return
            except OperationalError as exc:  # SQLite's busy database, a deadlock elsewhere
                if attempt == 9:
                    errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with sessions() as session:
        per_invoice = session.execute(
            select(Payment.invoice_id, func.count())
            .where(Payment.kind == PaymentKind.DIRECT_DEBIT)
            .group_by(Payment.invoice_id)
        ).all()
        assert len(per_invoice) == 3 and {count for _, count in per_invoice} == {1}
    assert all(_open(sessions, p) == 0 for p in providers.values())


def _debit(sessions: sessionmaker[Session]) -> Payment:
    with sessions() as session:
        debit = session.scalars(
            select(Payment).where(Payment.kind == PaymentKind.DIRECT_DEBIT)
        ).one()
        session.expunge(debit)
        return debit


def _reject_values(debit: Payment, amount: int | None = None) -> dict[str, object]:
    return {
        "provider_id": debit.provider_id,
        "invoice_id": debit.invoice_id,
        "kind": PaymentKind.REJECT,
        "amount_cents": -debit.amount_cents if amount is None else amount,
        "received_on": COLLECTION + timedelta(days=3),
        "rejects_payment_id": debit.id,
        "reject_code": "AM04",
    }


def test_pushed_collection_rows_are_checked(issued) -> None:  # type: ignore[no-untyped-def]
    sessions, dispatch, providers = issued
    with dispatch.begin() as session:
        debit_run(session, COLLECTION, RUN_AT, None, POLICY)
    debit = _debit(sessions)
    with sessions.begin() as session:
        mandate = _mandate_values(providers["Paris"])
        assert "RUM" in (
            refusal(session, "sepa_mandates", {**mandate, "rum": "RUM-PARIS-1"}, True) or ""
        )
        assert refusal(session, "sepa_mandates", mandate, True) is None
        # The workstation's own checks, run again on what it pushed.
        for wrong, said in (
            ({"rum": "RUM//NEW"}, "RUM"),
            ({"rum": "/RUM-NEW"}, "RUM"),
            ({"rum": "RUM NEW"}, "RUM"),
            ({"iban": "TR330006100519786457841326"}, "SEPA"),
            ({"iban": "FR7630004000031234567890144"}, "IBAN"),
            ({"iban": "fr76 3000 4000 0312 3456 7890 143"}, "normalisés"),
            ({"debtor_name": ""}, "titulaire"),
            ({"kind": "sometimes"}, "Type"),
            ({"signed_on": None}, "signature"),
        ):
            found = refusal(session, "sepa_mandates", {**mandate, **wrong}, True) or ""
            assert said in found, (wrong, found)
        assert "serveur" in (
            refusal(session, "payments", {**_reject_values(debit), "kind": "direct_debit"}, True)
            or ""
        )
        assert "montant exact" in (
            refusal(session, "payments", _reject_values(debit, amount=-1), True) or ""
        )
        assert refusal(session, "payments", _reject_values(debit), True) is None
        session.add(Payment(**_reject_values(debit), recorded_at=RUN_AT))
        session.flush()
        assert "déjà" in (refusal(session, "payments", _reject_values(debit), True) or "")
        transfer = {
            "provider_id": providers["Réunion"],
            "invoice_id": debit.invoice_id,
            "kind": PaymentKind.TRANSFER,
            "amount_cents": 100,
        }
        assert "inconnue" in (refusal(session, "payments", transfer, True) or "")


def _version(sessions: sessionmaker[Session], provider_id: uuid.UUID) -> ContractVersion:
    with sessions() as session:
        version = session.scalars(
            select(ContractVersion)
            .join(Contract, Contract.id == ContractVersion.contract_id)
            .where(Contract.provider_id == provider_id)
        ).one()
        session.expunge(version)
        return version


def _sweep(sessions: sessionmaker[Session], at) -> list[ContractRequest]:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        made = dunning_requests(session, at, POLICY)
    answered = []
    for request_id in made:
        with sessions.begin() as session:
            request = answer_request(session, request_id, at)
            assert request is not None
            session.expunge(request)
            answered.append(request)
    return answered


def test_a_rejected_debit_left_unpaid_suspends_the_provider_until_paid(issued) -> None:  # type: ignore[no-untyped-def]
    sessions, dispatch, providers = issued
    paris = providers["Paris"]
    with dispatch.begin() as session:
        debit_run(session, COLLECTION, RUN_AT, None, POLICY)
    debit = _debit(sessions)
    with sessions.begin() as session:
        session.add(Payment(**_reject_values(debit), recorded_at=RUN_AT))
    assert _open(sessions, paris) == debit.amount_cents
    # Other providers never paid either: everyone is past due, but not yet past the delay.
    assert _sweep(sessions, NOW + timedelta(days=45 + 44)) == []
    late = NOW + timedelta(days=45 + POLICY.suspend_after_days)
    suspended = _sweep(sessions, late)
    assert {r.kind for r in suspended} == {RequestKind.SUSPEND}
    assert all(r.state == RequestState.DONE and r.cause == "unpaid" for r in suspended)
    assert _version(sessions, paris).status == ContractStatus.SUSPENDED
    assert _sweep(sessions, late + timedelta(hours=1)) == []  # nothing twice
    with sessions.begin() as session:
        session.add(
            Payment(
                provider_id=paris,
                invoice_id=debit.invoice_id,
                kind=PaymentKind.TRANSFER,
                amount_cents=debit.amount_cents,
                received_on=late.date(),
                recorded_at=late,
            )
        )
    resumed = _sweep(sessions, late + timedelta(days=1))
    assert [(r.kind, r.state) for r in resumed] == [(RequestKind.RESUME, RequestState.DONE)]
    assert _version(sessions, paris).status == ContractStatus.ACTIVE
    assert _version(sessions, providers["Réunion"]).status == ContractStatus.SUSPENDED


def test_a_contract_a_rep_suspended_is_not_resumed_by_payment(issued) -> None:  # type: ignore[no-untyped-def]
    sessions, _dispatch, providers = issued
    version = _version(sessions, providers["Paris"])
    with sessions.begin() as session:
        session.add(
            ContractRequest(
                version_id=version.id,
                kind=RequestKind.SUSPEND,
                requested_by_id=None,
                requested_at=NOW,
                reason="Demande du prestataire",
                state=RequestState.PENDING,
            )
        )
        session.flush()
        request_id = session.scalars(select(ContractRequest.id)).one()
    with sessions.begin() as session:
        answer_request(session, request_id, NOW)
    assert _sweep(sessions, NOW + timedelta(days=1)) == []
    assert _version(sessions, providers["Paris"]).status == ContractStatus.SUSPENDED
