"""Row-level rights and author fields of pushed edits (issue 14, classes 2 and 4).

A signed-in expert, rep or manager pushes, as a script would, what their role may not do:
reopen or edit a released or closed lead, move a lead around its state machine, tombstone a
fact, write a row as someone else. Each bad operation is refused with a reason and the rest
of its batch (an honest operation in each) is applied.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from app.clock import utc_now
from app.domain.disputes import DisputeStatus
from app.domain.enums import CallbackStatus, CloseReason, Disposition, LeadStatus
from app.ids import uuid7
from app.persistence.models import (
    CallAttempt,
    Callback,
    Contract,
    ContractVersion,
    Invoice,
    Lead,
    LeadDispute,
    LeadSale,
    Opposition,
    Payment,
    Provider,
    ProviderActivity,
    User,
)
from app.services.leads.intake import register_lead
from tests.e2e.harness import lead_submission
from tests.e2e.security.conftest import LiveServer, op, statuses

_numbers = itertools.count(5000)


def _user(live: LiveServer, username: str) -> uuid.UUID:
    with live.sessions() as session:
        found = session.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return found


def _lead(live: LiveServer, status: LeadStatus = LeadStatus.TO_QUALIFY, **fields: Any) -> uuid.UUID:
    """A lead of its own for one test, in the given state."""
    with live.sessions.begin() as session:
        lead = register_lead(session, lead_submission(next(_numbers), utc_now()))
        lead.status = status
        if status == LeadStatus.CLOSED:
            lead.close_reason = CloseReason.DUPLICATE
            lead.closed_at = utc_now()
        if status == LeadStatus.RELEASED:
            fields = {"qualified_at": utc_now(), "contact_verified": True, **fields}
        for name, value in fields.items():
            setattr(lead, name, value)
        return lead.id


def _lead_row(live: LiveServer, lead_id: uuid.UUID) -> Lead:
    with live.sessions() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead


def _attempt(live: LiveServer, lead_id: uuid.UUID, caller: str) -> uuid.UUID:
    with live.sessions.begin() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        attempt = CallAttempt(
            lead_id=lead_id,
            phone_e164=lead.phone_e164,
            caller_id=_user(live, caller),
            started_at=utc_now(),
            disposition=Disposition.PENDING,
        )
        session.add(attempt)
        session.flush()
        return attempt.id


def _callback(live: LiveServer, lead_id: uuid.UUID, expert: str) -> uuid.UUID:
    who = _user(live, expert)
    with live.sessions.begin() as session:
        callback = Callback(
            lead_id=lead_id,
            due_at=utc_now() + timedelta(days=1),
            assigned_to_id=who,
            created_by_id=who,
            status=CallbackStatus.PENDING,
        )
        session.add(callback)
        session.flush()
        return callback.id


def _provider(session: Any) -> Provider:
    provider = Provider(
        company_name="Plomberie Test",
        search_name="plomberie test",
        postcode="75011",
        city="Paris",
        departement_code="75",
        source="manual",
        stage="client",
        stage_changed_at=utc_now(),
    )
    session.add(provider)
    session.flush()
    return provider


def _invoice_with_payment(live: LiveServer) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """(provider, issued invoice, a transfer recorded for it)."""
    with live.sessions.begin() as session:
        provider = _provider(session)
        invoice = Invoice(
            provider_id=provider.id,
            kind="invoice",
            status="issued",
            period_start=date(2026, 10, 1),
            number=f"T-{next(_numbers)}",
            buyer_name="Plomberie Test",
            buyer_address="1 rue du Test, 75011 Paris",
            vat_territory="metropole",
            net_cents=10_000,
            vat_cents=2_000,
            gross_cents=12_000,
        )
        session.add(invoice)
        session.flush()
        payment = Payment(
            provider_id=provider.id,
            invoice_id=invoice.id,
            kind="transfer",
            amount_cents=1_000,
            received_on=date(2026, 11, 2),
            recorded_at=utc_now(),
        )
        session.add(payment)
        session.flush()
        return provider.id, invoice.id, payment.id


def _dispute(live: LiveServer) -> uuid.UUID:
    """An open dispute of a lead sold to a provider, filed by sales1."""
    lead_id = _lead(live, LeadStatus.RELEASED)
    with live.sessions.begin() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        provider = _provider(session)
        contract = Contract(provider_id=provider.id)
        session.add(contract)
        session.flush()
        version = ContractVersion(
            contract_id=contract.id,
            number=1,
            status="active",
            status_changed_at=utc_now(),
            starts_on=date(2026, 1, 1),
            sharing_level=1,
        )
        session.add(version)
        session.flush()
        sale = LeadSale(
            lead_id=lead.id,
            provider_id=provider.id,
            contract_id=contract.id,
            version_id=version.id,
            category_id=lead.category_id,
            lead_number=lead.number,
            lead_postcode=lead.postcode,
            lead_city=lead.city,
            sold_at=utc_now(),
            price_cents=3_000,
            sharing_level=1,
            rank=1,
        )
        session.add(sale)
        session.flush()
        dispute = LeadDispute(
            sale_id=sale.id,
            provider_id=provider.id,
            reason="duplicate",
            filed_at=utc_now(),
            filed_by_id=_user(live, "sales1"),
            status=DisputeStatus.OPEN,
        )
        session.add(dispute)
        session.flush()
        return dispute.id


def _refused_with_reasons(answer: httpx.Response, expected: list[str]) -> None:
    assert statuses(answer) == expected
    for result, status in zip(answer.json()["results"], expected, strict=True):
        if status == "rejected":
            assert result["message"].strip(), result


def _attempt_insert(lead: Lead, **fields: Any) -> dict[str, Any]:
    now = utc_now().isoformat()
    values = {
        "lead_id": str(lead.id),
        "phone_e164": lead.phone_e164,
        "started_at": now,
        "duration_seconds": 0,
        "disposition": Disposition.PENDING.value,
        "notes": "",
        "by_consent": False,
        "created_at": now,
        "updated_at": now,
        "deleted": False,
        **fields,
    }
    return op("call_attempts", uuid7(), values, kind="insert")


def _opposition_insert(lead: Lead, **fields: Any) -> dict[str, Any]:
    now = utc_now().isoformat()
    values = {
        "phone_e164": lead.phone_e164,
        "recorded_at": now,
        "lead_id": str(lead.id),
        "note": "",
        "created_at": now,
        "updated_at": now,
        "deleted": False,
        **fields,
    }
    return op("oppositions", uuid7(), values, kind="insert")


# -- leads: released and closed ones are not the expert's ------------------------------------


def test_an_expert_cannot_reopen_edit_or_tombstone_a_released_or_closed_lead(
    live_server: LiveServer,
) -> None:
    released = _lead(live_server, LeadStatus.RELEASED)
    closed = _lead(live_server, LeadStatus.CLOSED)
    open_lead = _lead(live_server)
    before = _lead_row(live_server, closed)
    answer = live_server.push(
        "expert1",
        op("leads", released, {"status": LeadStatus.TO_QUALIFY.value}),
        op("leads", closed, {"status": LeadStatus.CALLBACK.value}),
        op("leads", closed, {"email": "pirate@example.fr"}),
        op("leads", released, {"phone_e164": "+33699999999"}),
        op("leads", released, {"close_reason": "duplicate", "status": "closed"}),
        op("leads", open_lead, {"city": "Paris 11e"}),
    )
    _refused_with_reasons(answer, ["rejected"] * 5 + ["applied"])
    assert _lead_row(live_server, released).status == LeadStatus.RELEASED
    assert _lead_row(live_server, released).phone_e164 != "+33699999999"
    after = _lead_row(live_server, closed)
    assert (after.status, after.email) == (LeadStatus.CLOSED, before.email)
    assert _lead_row(live_server, open_lead).city == "Paris 11e"


def test_pushed_lead_status_changes_follow_the_state_machine(live_server: LiveServer) -> None:
    raw, unverified, no_reason, ready, later = (_lead(live_server) for _ in range(5))
    with live_server.sessions.begin() as session:
        row = session.get(Lead, unverified)
        assert row is not None
        row.qualified_at = utc_now()
    answer = live_server.push(
        "expert1",
        op("leads", raw, {"status": LeadStatus.RELEASED.value}),  # never re-qualified
        op("leads", raw, {"status": LeadStatus.QUALIFIED.value}),
        op("leads", unverified, {"status": LeadStatus.RELEASED.value}),  # contact unconfirmed
        op("leads", no_reason, {"status": LeadStatus.CLOSED.value}),
        op("leads", ready, {"qualified_at": utc_now().isoformat(), "contact_verified": True}),
        op("leads", ready, {"status": LeadStatus.RELEASED.value}),
        op("leads", later, {"status": LeadStatus.CALLBACK.value}),
    )
    _refused_with_reasons(answer, ["rejected"] * 4 + ["applied"] * 3)
    assert _lead_row(live_server, raw).status == LeadStatus.TO_QUALIFY
    assert _lead_row(live_server, unverified).status == LeadStatus.TO_QUALIFY
    assert _lead_row(live_server, no_reason).status == LeadStatus.TO_QUALIFY
    assert _lead_row(live_server, ready).status == LeadStatus.RELEASED
    assert _lead_row(live_server, later).status == LeadStatus.CALLBACK


def test_only_a_manager_reopens_a_closed_lead_and_no_one_a_released_one(
    live_server: LiveServer,
) -> None:
    mistake, opposed, released = (
        _lead(live_server, LeadStatus.CLOSED),
        _lead(live_server, LeadStatus.CLOSED, close_reason=CloseReason.OPPOSITION),
        _lead(live_server, LeadStatus.RELEASED),
    )
    answer = live_server.push(
        "manager1",
        op("leads", opposed, {"status": LeadStatus.TO_QUALIFY.value}),
        op("leads", released, {"status": LeadStatus.TO_QUALIFY.value}),
        op("leads", released, {"email": "autre@example.fr"}),
        op("leads", mistake, {"status": LeadStatus.TO_QUALIFY.value}),
    )
    _refused_with_reasons(answer, ["rejected"] * 3 + ["applied"])
    assert _lead_row(live_server, mistake).status == LeadStatus.TO_QUALIFY
    assert _lead_row(live_server, opposed).status == LeadStatus.CLOSED
    assert _lead_row(live_server, released).status == LeadStatus.RELEASED


def test_a_rep_edits_no_lead_and_an_expert_no_provider(live_server: LiveServer) -> None:
    lead = _lead(live_server)
    manager = str(_user(live_server, "manager1"))
    now = utc_now().isoformat()
    provider = {
        "company_name": "Intrus SARL",
        "search_name": "intrus",
        "postcode": "75011",
        "city": "Paris",
        "departement_code": "75",
        "source": "manual",
        "stage": "prospect",
        "stage_changed_at": now,
        "notes": "",
        "created_at": now,
        "updated_at": now,
        "deleted": False,
    }
    provider_id = uuid7()
    audit = {
        "provider_id": str(provider_id),
        "changed_at": now,
        "field": "stage",
        "old_value": None,
        "new_value": "Client",
        "created_at": now,
        "updated_at": now,
        "deleted": False,
    }
    rep = live_server.push(
        "sales1",
        op("leads", lead, {"email": "rep@example.fr"}),
        op("leads", lead, {"status": LeadStatus.CLOSED.value, "close_reason": "duplicate"}),
        op("providers", provider_id, provider, kind="insert"),
        op("provider_changes", uuid7(), {**audit, "user_id": manager}, kind="insert"),
        op("provider_changes", uuid7(), audit, kind="insert"),
    )
    _refused_with_reasons(rep, ["rejected", "rejected", "applied", "rejected", "applied"])
    expert = live_server.push(
        "expert1",
        op("providers", uuid7(), provider, kind="insert"),
        op("leads", lead, {"city": "Paris 11e"}),
    )
    _refused_with_reasons(expert, ["rejected", "applied"])
    assert _lead_row(live_server, lead).email != "rep@example.fr"


# -- facts: never tombstoned by a client -------------------------------------------------------


def test_no_client_tombstones_facts(live_server: LiveServer) -> None:
    lead_id = _lead(live_server)
    closed = _lead(live_server, LeadStatus.CLOSED)
    lead = _lead_row(live_server, lead_id)
    attempt = _attempt(live_server, lead_id, "expert1")
    callback = _callback(live_server, lead_id, "expert1")
    born_dead = _attempt_insert(lead, deleted=True)
    opposition = _opposition_insert(lead, deleted=True)
    expert = live_server.push(
        "expert1",
        op("leads", lead_id, {"deleted": True}),
        op("call_attempts", attempt, {"deleted": True}),
        born_dead,
        opposition,
        op("callbacks", callback, {"status": CallbackStatus.CANCELLED.value}),
    )
    _refused_with_reasons(expert, ["rejected"] * 4 + ["applied"])
    manager = live_server.push(
        "manager1",
        op("leads", closed, {"deleted": True}),
        op("leads", closed, {"close_comment": "vérifié"}),
    )
    _refused_with_reasons(manager, ["rejected", "applied"])
    _provider_id, _invoice, payment = _invoice_with_payment(live_server)
    rep = live_server.push("sales1", op("payments", payment, {"deleted": True}))
    _refused_with_reasons(rep, ["rejected"])
    with live_server.sessions() as session:
        assert not session.get(Lead, lead_id).deleted  # type: ignore[union-attr]
        assert not session.get(Lead, closed).deleted  # type: ignore[union-attr]
        assert not session.get(CallAttempt, attempt).deleted  # type: ignore[union-attr]
        assert not session.get(Payment, payment).deleted  # type: ignore[union-attr]
        assert session.get(CallAttempt, uuid.UUID(born_dead["id"])) is None
        assert session.get(Opposition, uuid.UUID(opposition["id"])) is None


def test_an_expert_adds_nothing_to_a_released_or_closed_lead_but_facts(
    live_server: LiveServer,
) -> None:
    """Callbacks and status history of a lead that left the expert are refused; a call or an
    opposition is still recorded (the law counts them whatever the lead's state), and a
    pending callback of a lead closed meanwhile may still be finished."""
    released_id = _lead(live_server, LeadStatus.RELEASED)
    closed_id = _lead(live_server, LeadStatus.CLOSED)
    released = _lead_row(live_server, released_id)
    pending = _callback(live_server, closed_id, "expert1")
    now = utc_now()
    callback = {
        "lead_id": str(closed_id),
        "due_at": (now + timedelta(days=2)).isoformat(),
        "consumer_requested": False,
        "consent_note": "",
        "status": CallbackStatus.PENDING.value,
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
        "deleted": False,
    }
    history = {
        "lead_id": str(released_id),
        "changed_at": now.isoformat(),
        "from_status": LeadStatus.RELEASED.value,
        "to_status": LeadStatus.TO_QUALIFY.value,
        "reason": "",
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
        "deleted": False,
    }
    answer = live_server.push(
        "expert1",
        op("callbacks", uuid7(), callback, kind="insert"),
        op("lead_status_changes", uuid7(), history, kind="insert"),
        op("callbacks", pending, {"due_at": (now + timedelta(days=3)).isoformat()}),
        _attempt_insert(released),
        _opposition_insert(released),
        op(
            "callbacks",
            pending,
            {"status": CallbackStatus.CANCELLED.value, "completed_at": now.isoformat()},
        ),
    )
    _refused_with_reasons(answer, ["rejected"] * 3 + ["applied"] * 3)


# -- author fields come from the token ---------------------------------------------------------


def test_an_expert_cannot_write_as_another(live_server: LiveServer) -> None:
    lead_id = _lead(live_server)
    lead = _lead_row(live_server, lead_id)
    other = str(_user(live_server, "expert2"))
    me = _user(live_server, "expert1")
    now = utc_now()
    callback = {
        "lead_id": str(lead_id),
        "due_at": (now + timedelta(days=2)).isoformat(),
        "assigned_to_id": str(me),
        "created_by_id": other,
        "consumer_requested": False,
        "consent_note": "",
        "status": CallbackStatus.PENDING.value,
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
        "deleted": False,
    }
    history = {
        "lead_id": str(lead_id),
        "changed_at": now.isoformat(),
        "user_id": other,
        "from_status": LeadStatus.TO_QUALIFY.value,
        "to_status": LeadStatus.CALLBACK.value,
        "reason": "",
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
        "deleted": False,
    }
    unsigned = _attempt_insert(lead)
    signed = _attempt_insert(lead, caller_id=str(me))
    answer = live_server.push(
        "expert1",
        _attempt_insert(lead, caller_id=other),
        _opposition_insert(lead, recorded_by_id=other),
        op("callbacks", uuid7(), callback, kind="insert"),
        op("lead_status_changes", uuid7(), history, kind="insert"),
        op("leads", lead_id, {"qualified_at": now.isoformat(), "qualified_by_id": other}),
        op(
            "callbacks",
            uuid7(),
            {**callback, "created_by_id": None, "assigned_to_id": other},
            "insert",
        ),
        unsigned,
        signed,
        op("leads", lead_id, {"qualified_at": now.isoformat()}),
    )
    _refused_with_reasons(answer, ["rejected"] * 6 + ["applied"] * 3)
    with live_server.sessions() as session:
        callers = {
            session.get(CallAttempt, uuid.UUID(o["id"])).caller_id  # type: ignore[union-attr]
            for o in (unsigned, signed)
        }
        assert callers == {me}
        assert session.get(Lead, lead_id).qualified_by_id == me  # type: ignore[union-attr]
        assert (
            session.scalar(select(CallAttempt).where(CallAttempt.caller_id == uuid.UUID(other)))
            is None
        )


def test_a_call_and_an_activity_stay_their_authors(live_server: LiveServer) -> None:
    lead_id = _lead(live_server)
    theirs = _attempt(live_server, lead_id, "expert2")
    mine = _attempt(live_server, lead_id, "expert1")
    outcome = {"disposition": Disposition.UNREACHABLE.value, "duration_seconds": 12}
    answer = live_server.push(
        "expert1",
        op("call_attempts", theirs, outcome),
        op("call_attempts", mine, {"caller_id": str(_user(live_server, "expert2"))}),
        op("call_attempts", mine, outcome),
    )
    _refused_with_reasons(answer, ["rejected", "rejected", "applied"])
    with live_server.sessions.begin() as session:
        activity = ProviderActivity(
            provider_id=_provider(session).id,
            user_id=_user(live_server, "sales1"),
            kind="call",
            due_at=utc_now() + timedelta(days=1),
        )
        session.add(activity)
        session.flush()
        activity_id = activity.id
    manager = str(_user(live_server, "manager1"))
    done = {"done": True, "done_at": utc_now().isoformat()}
    rep = live_server.push(
        "sales1",
        op("provider_activities", activity_id, {"user_id": manager}),
        op("provider_activities", activity_id, {**done, "user_id": manager}),
        op("provider_activities", activity_id, done),
    )
    _refused_with_reasons(rep, ["rejected", "rejected", "applied"])
    with live_server.sessions() as session:
        stored = session.get(ProviderActivity, activity_id)
        assert stored is not None and stored.done
        assert stored.user_id == _user(live_server, "sales1")


def test_a_dispute_is_decided_by_the_signed_in_rep(live_server: LiveServer) -> None:
    mine, theirs, decided = _dispute(live_server), _dispute(live_server), _dispute(live_server)
    manager = str(_user(live_server, "manager1"))
    me = _user(live_server, "sales1")
    now = utc_now().isoformat()
    with live_server.sessions.begin() as session:
        row = session.get(LeadDispute, decided)
        assert row is not None
        row.status, row.decided_at, row.decided_by_id = DisputeStatus.REFUSED, utc_now(), me
        row.decision_note = "hors délai"
    decision = {"status": DisputeStatus.ACCEPTED.value, "decided_at": now}
    answer = live_server.push(
        "sales1",
        op("lead_disputes", theirs, {**decision, "decided_by_id": manager}),
        op("lead_disputes", decided, {**decision, "decided_by_id": str(me)}),  # already decided
        op("lead_disputes", mine, decision),
    )
    _refused_with_reasons(answer, ["rejected", "rejected", "applied"])
    with live_server.sessions() as session:
        assert session.get(LeadDispute, mine).decided_by_id == me  # type: ignore[union-attr]
        assert session.get(LeadDispute, theirs).status == DisputeStatus.OPEN  # type: ignore[union-attr]
        assert session.get(LeadDispute, decided).status == DisputeStatus.REFUSED  # type: ignore[union-attr]


def test_a_payment_is_recorded_by_the_signed_in_rep(live_server: LiveServer) -> None:
    provider, invoice, _payment = _invoice_with_payment(live_server)
    manager = str(_user(live_server, "manager1"))
    now = utc_now().isoformat()
    payment = {
        "provider_id": str(provider),
        "invoice_id": str(invoice),
        "kind": "transfer",
        "amount_cents": 500,
        "received_on": "2026-11-20",
        "reference": "VIR 42",
        "recorded_at": now,
        "created_at": now,
        "updated_at": now,
        "deleted": False,
    }
    honest = op("payments", uuid7(), payment, kind="insert")
    answer = live_server.push(
        "sales1",
        op("payments", uuid7(), {**payment, "recorded_by_id": manager}, kind="insert"),
        honest,
    )
    _refused_with_reasons(answer, ["rejected", "applied"])
    with live_server.sessions() as session:
        stored = session.get(Payment, uuid.UUID(honest["id"]))
        assert stored is not None and stored.recorded_by_id == _user(live_server, "sales1")
