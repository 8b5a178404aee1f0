"""The expert's actions on a real workspace: queue, calls, callbacks, requalification."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.domain.enums import CloseReason, DesiredStart, Disposition, LeadStatus
from app.domain.errors import ActionRefused, FieldErrors
from app.persistence.models import CallAttempt, Lead, LeadStatusChange
from app.policy.calling_rules import CallBlock, CallDecision
from app.services.auth import sign_in
from app.services.leads.lead_actions import (
    CallbackRequest,
    LeadActions,
    RequalificationForm,
    SlotRefused,
)
from app.services.leads.lead_detail import load_lead_detail
from app.services.leads.queue import QueueReader, QueueView
from tests.conftest import add_user, submit_lead

GOOD_FORM = RequalificationForm(
    budget="18 000",
    desired_start=DesiredStart.WITHIN_3_MONTHS,
    scope="Salle de bains complète, 8 m², douche italienne",
    phone="06 12 34 56 78",
    email="jean.dupont@example.fr",
    postcode="75011",
    city="Paris",
    contact_verified=True,
)


@pytest.fixture
def reader(workspace, clock) -> QueueReader:
    return QueueReader(workspace.sessions, clock)


@pytest.fixture
def actions(workspace, clock, expert) -> LeadActions:
    return LeadActions(workspace.sessions, clock, expert)


def queue_ids(reader: QueueReader) -> list:
    return [r.lead_id for r in reader.due_callbacks()] + [
        r.lead_id for r in reader.page(QueueView.CALL_QUEUE).rows
    ]


def test_sign_in(workspace) -> None:
    add_user(workspace, "expert9", password="s3cret")
    assert sign_in(workspace.sessions, "expert9", "s3cret").username == "expert9"
    with pytest.raises(ActionRefused):
        sign_in(workspace.sessions, "expert9", "wrong")
    with pytest.raises(ActionRefused):
        sign_in(workspace.sessions, "nobody", "s3cret")


def test_small_leads_skip_the_queue(workspace, reader) -> None:
    big = submit_lead(workspace, budget_cents=2_000_000)
    small = submit_lead(workspace, budget_cents=50_000, phone="0611111111")
    review = submit_lead(
        workspace, budget_cents=50_000, category_code="heat_pump", phone="0622222222"
    )
    ids = queue_ids(reader)
    assert big in ids and review in ids and small not in ids


def test_queue_order_and_paging(workspace, clock) -> None:
    ids = [
        submit_lead(workspace, submitted_at=clock() - timedelta(hours=h), phone=f"06000000{h:02d}")
        for h in range(1, 8)
    ]
    reader = QueueReader(workspace.sessions, clock, page_size=3)
    first = reader.page(QueueView.CALL_QUEUE)
    second = reader.page(QueueView.CALL_QUEUE, first.next_cursor)
    third = reader.page(QueueView.CALL_QUEUE, second.next_cursor)
    got = [r.lead_id for r in first.rows + second.rows + third.rows]
    assert got == ids  # freshest first
    assert third.next_cursor is None
    assert reader.count(QueueView.CALL_QUEUE) == 7


def test_unreachable_call_keeps_lead_in_queue_behind_fresh_ones(
    workspace, reader, actions, clock
) -> None:
    first = submit_lead(workspace, submitted_at=clock() - timedelta(minutes=10))
    second = submit_lead(
        workspace, submitted_at=clock() - timedelta(minutes=40), phone="0611111111"
    )
    assert reader.next_callable().lead_id == first
    status = actions.log_call(first, Disposition.UNREACHABLE, clock(), 12, "Messagerie")
    assert status == LeadStatus.TO_QUALIFY
    assert queue_ids(reader) == [second, first]
    row = reader.rows_for([first])[0]
    assert row.attempts == 1


def test_callback_leaves_queue_and_comes_back_when_due(workspace, reader, actions, clock) -> None:
    lead = submit_lead(workspace)
    due = clock() + timedelta(hours=3)  # 14:00 Paris
    actions.log_call(
        lead,
        Disposition.CALLBACK_REQUESTED,
        clock(),
        60,
        "Rappeler cet après-midi",
        CallbackRequest(due, consumer_requested=True, consent_note="A demandé 14h"),
    )
    assert lead not in queue_ids(reader)
    assert [r.lead_id for r in reader.page(QueueView.CALLBACKS).rows] == [lead]
    clock.advance(hours=3)
    assert queue_ids(reader)[0] == lead
    assert reader.next_callable().lead_id == lead


def test_callback_outside_legal_hours_is_refused_with_next_slot(workspace, actions, clock) -> None:
    lead = submit_lead(workspace)
    evening = clock() + timedelta(hours=10)  # 21:00 Paris
    with pytest.raises(SlotRefused) as refused:
        actions.schedule_callback(lead, CallbackRequest(evening, consumer_requested=False))
    assert refused.value.check.suggested_slot == clock() + timedelta(days=1) - timedelta(hours=1)
    with workspace.sessions() as session:
        assert session.get(Lead, lead).status == LeadStatus.TO_QUALIFY
    # The consumer asked for it: allowed, with the consent recorded.
    actions.schedule_callback(lead, CallbackRequest(evening, True, "Disponible seulement le soir"))
    with workspace.sessions() as session:
        assert session.get(Lead, lead).status == LeadStatus.CALLBACK


def test_consented_evening_callback_can_be_called_then(workspace, reader, actions, clock) -> None:
    lead = submit_lead(workspace)
    evening = clock() + timedelta(hours=10)
    actions.schedule_callback(lead, CallbackRequest(evening, True, "Disponible le soir"))
    clock.advance(hours=10)
    row = reader.next_callable()
    assert row is not None and row.lead_id == lead and row.call.by_consent
    actions.log_call(lead, Disposition.UNREACHABLE, clock(), 10)
    with workspace.sessions() as session:
        attempt = session.scalars(select(CallAttempt)).one()
        assert attempt.by_consent


def test_qualify_requires_requalification_then_release(workspace, actions, clock) -> None:
    lead = submit_lead(workspace)
    with pytest.raises(ActionRefused):
        actions.log_call(lead, Disposition.QUALIFIED, clock(), 300)
    with pytest.raises(ActionRefused):
        actions.release(lead)
    actions.requalify(lead, GOOD_FORM)
    assert actions.log_call(lead, Disposition.QUALIFIED, clock(), 300) == LeadStatus.QUALIFIED
    actions.release(lead)
    with workspace.sessions() as session:
        saved = session.get(Lead, lead)
        assert saved.status == LeadStatus.RELEASED
        assert saved.qualified_budget_cents == 1_800_000
        changes = session.scalars(
            select(LeadStatusChange.to_status)
            .where(LeadStatusChange.lead_id == lead)
            .order_by(LeadStatusChange.changed_at)
        ).all()
        assert changes == [LeadStatus.QUALIFIED, LeadStatus.RELEASED]


def test_bad_requalification_saves_nothing(workspace, actions) -> None:
    lead = submit_lead(workspace)
    bad = RequalificationForm(
        budget="beaucoup",
        desired_start=DesiredStart.ASAP,
        scope="court",
        phone="06 12",
        email="x@",
        postcode="99999",
        city="",
        contact_verified=True,
    )
    with pytest.raises(FieldErrors) as errors:
        actions.requalify(lead, bad)
    assert set(errors.value.errors) == {"budget", "phone", "email", "postcode", "city", "scope"}
    with workspace.sessions() as session:
        saved = session.get(Lead, lead)
        assert saved.qualified_at is None and saved.phone_e164 == "+33612345678"


def test_closing_outcomes_and_refusal_quiet_period(workspace, reader, actions, clock) -> None:
    lead = submit_lead(workspace)
    other_request = submit_lead(workspace, category_code="kitchen")  # same consumer, same phone
    assert actions.log_call(lead, Disposition.NOT_INTERESTED, clock(), 40) == LeadStatus.CLOSED
    decision = reader.rows_for([other_request])[0].call
    assert not decision.allowed and decision.next_allowed_at is not None
    assert decision.next_allowed_at - clock() > timedelta(days=59)
    with pytest.raises(ActionRefused):
        actions.close(lead, CloseReason.DUPLICATE)  # already closed


def test_attempt_cap_counts_every_lead_and_caller(workspace, reader, clock) -> None:
    first = submit_lead(workspace)
    second = submit_lead(workspace, category_code="kitchen")
    experts = [add_user(workspace, f"e{i}") for i in range(2)]
    for day in range(4):
        who = LeadActions(workspace.sessions, clock, experts[day % 2])
        who.log_call(first if day % 2 else second, Disposition.UNREACHABLE, clock(), 5)
        clock.advance(days=1)  # Tue..Fri
    clock.advance(days=3)  # Monday after
    decisions = reader.rows_for([first, second])
    assert all(not row.call.allowed for row in decisions)
    assert reader.next_callable() is None


def test_opposition_blocks_every_queue(workspace, reader, actions) -> None:
    lead = submit_lead(workspace)
    other = submit_lead(workspace, category_code="kitchen")
    actions.record_opposition(lead, "Ne plus jamais appeler")
    row = reader.rows_for([other])[0]
    assert not row.call.allowed and row.call.next_allowed_at is None


def test_lead_without_consent_proof_is_never_called(workspace, reader) -> None:
    lead = submit_lead(workspace, with_consent=False)
    row = reader.rows_for([lead])[0]
    assert not row.call.allowed
    assert reader.next_callable() is None


def test_call_outside_hours_is_refused(workspace, actions, clock) -> None:
    lead = submit_lead(workspace)
    with pytest.raises(ActionRefused):
        actions.log_call(lead, Disposition.UNREACHABLE, clock() + timedelta(hours=11), 5)
    with workspace.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CallAttempt)) == 0


def test_search(workspace, reader, clock) -> None:
    lead = submit_lead(
        workspace,
        last_name="Lefèvre",
        first_name="Élodie",
        phone="0698765432",
        postcode="69003",
        city="Lyon",
    )
    submit_lead(workspace, last_name="Martin", phone="0611223344")
    with workspace.sessions() as session:
        number = session.get(Lead, lead).number
    for text in [
        "lefe",
        "LEFÈVRE élo",
        "06 98 76 54 32",
        "+33698765432",
        "069876",
        "69003",
        str(number),
    ]:
        assert lead in [r.lead_id for r in reader.search(text)], text
    assert reader.search("zzz") == []
    assert reader.search("   ") == []


def test_search_overseas_number_typed_the_national_way(workspace, reader) -> None:
    lead = submit_lead(workspace, phone="0596 71 23 45", postcode="97200", city="Fort-de-France")
    for text in ["0596 71 23 45", "+596 596 71 23 45", "059671"]:
        assert [r.lead_id for r in reader.search(text)] == [lead], text


def test_search_finds_closed_released_and_opposed_leads_with_their_state(
    workspace, reader, actions, clock
) -> None:
    closed = submit_lead(workspace, last_name="Closier", phone="0611111111")
    opposed = submit_lead(workspace, last_name="Closier", phone="0622222222")
    actions.close(closed, CloseReason.FAKE_REQUEST)
    actions.record_opposition(opposed)
    rows = {r.lead_id: r for r in reader.search("closier")}
    assert rows[closed].status == LeadStatus.CLOSED
    assert rows[opposed].status == LeadStatus.CLOSED
    for row in rows.values():  # a closed lead never says "Appel possible : Maintenant"
        assert row.call == CallDecision(False, CallBlock.LEAD_NOT_OPEN)
    detail = load_lead_detail(workspace.sessions, closed, clock)
    assert detail.call == CallDecision(False, CallBlock.LEAD_NOT_OPEN)


def test_lead_detail(workspace, actions, clock) -> None:
    lead = submit_lead(workspace)
    actions.log_call(lead, Disposition.UNREACHABLE, clock(), 8, "Messagerie")
    detail = load_lead_detail(workspace.sessions, lead, clock)
    assert detail is not None
    assert detail.category_name == "Salle de bains"
    assert [j.kind for j in detail.journey] == ["landing", "form_step", "form_submit"]
    assert detail.calls[0].notes == "Messagerie"
    assert str(detail.zone.timezone) == "Europe/Paris"


def test_a_started_call_counts_at_once_and_gets_its_outcome_later(
    workspace, reader, actions, clock
) -> None:
    """F3 records the attempt: it counts in the 4-in-30-days budget even if no outcome is
    ever given; the outcome completes that same attempt instead of adding one."""
    lead = submit_lead(workspace)
    started = actions.start_call(lead)
    assert actions.start_call(lead) == started  # F3 twice is one call
    with workspace.sessions() as session:
        attempt = session.get(CallAttempt, started.attempt_id)
        assert attempt.disposition == Disposition.PENDING
        assert session.get(Lead, lead).call_attempt_count == 1
    detail = load_lead_detail(workspace.sessions, lead, clock)
    assert [c.attempt_id for c in detail.running_calls] == [started.attempt_id]
    clock.advance(seconds=95)
    actions.log_call(lead, Disposition.UNREACHABLE, started.started_at, 95, "Messagerie")
    with workspace.sessions() as session:
        attempts = session.scalars(select(CallAttempt).where(CallAttempt.lead_id == lead)).all()
        assert [(a.id, a.disposition, a.duration_seconds) for a in attempts] == [
            (started.attempt_id, Disposition.UNREACHABLE, 95)
        ]
        assert session.get(Lead, lead).call_attempt_count == 1
    assert load_lead_detail(workspace.sessions, lead, clock).running_calls == []


def test_calls_without_outcome_use_up_the_budget(workspace, clock) -> None:
    """Four experts dial the consumer and none gives an outcome (windows closed, crashes):
    the four calls still count, and a fifth is refused."""
    lead = submit_lead(workspace)
    for n in range(4):
        LeadActions(workspace.sessions, clock, add_user(workspace, f"caller{n}")).start_call(lead)
    fifth = LeadActions(workspace.sessions, clock, add_user(workspace, "caller9"))
    with pytest.raises(ActionRefused, match="4 appels"):
        fifth.start_call(lead)


def test_opposition_during_a_call_ends_it_as_a_refusal(workspace, actions, clock) -> None:
    lead = submit_lead(workspace)
    started = actions.start_call(lead)
    clock.advance(seconds=30)
    actions.record_opposition(lead, "Ne plus jamais appeler")
    with workspace.sessions() as session:
        attempt = session.get(CallAttempt, started.attempt_id)
        assert (attempt.disposition, attempt.duration_seconds) == (
            Disposition.NOT_INTERESTED,
            30,
        )


def test_a_callback_planned_during_a_call_is_not_marked_done_by_that_call(
    workspace, actions, clock
) -> None:
    """The call answers the callbacks planned before it; one planned while it runs (F4, then
    the outcome) has not happened: replaced by the outcome's slot, it is cancelled, not done."""
    from app.domain.enums import CallbackStatus
    from app.persistence.models import Callback

    lead = submit_lead(workspace)
    earlier = clock() + timedelta(hours=4)
    actions.schedule_callback(lead, CallbackRequest(earlier, False))
    clock.advance(hours=4)
    started = actions.start_call(lead)
    clock.advance(minutes=1)
    saturday = clock() + timedelta(days=1)
    actions.schedule_callback(lead, CallbackRequest(saturday, True, "Rappelez-moi samedi"))
    clock.advance(minutes=1)
    actions.log_call(
        lead,
        Disposition.CALLBACK_REQUESTED,
        started.started_at,
        120,
        "",
        CallbackRequest(saturday + timedelta(hours=1), True, "Samedi plutôt 11h"),
    )
    with workspace.sessions() as session:
        by_due = {c.due_at: c.status for c in session.scalars(select(Callback))}
    assert by_due == {
        earlier: CallbackStatus.CANCELLED,  # replaced by the one planned during the call
        saturday: CallbackStatus.CANCELLED,
        saturday + timedelta(hours=1): CallbackStatus.PENDING,
    }
