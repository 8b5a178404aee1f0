"""An expert works the queue with the keyboard, as on the floor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from app.domain.enums import Disposition, LeadStatus
from app.persistence.models import CallAttempt, Lead
from app.services.auth import StaffMember
from tests.conftest import submit_lead
from tests.ui.conftest import settle, when_dialog_opens
from ui.core.context import AppContext
from ui.queue.callback_dialog import CallbackDialog
from ui.queue.main_window import MainWindow
from ui.queue.requalification_dialog import RequalificationDialog
from ui.session.sign_in_dialog import SignInDialog


@pytest.fixture
def leads(workspace, clock) -> list:
    return [
        submit_lead(workspace, submitted_at=clock() - timedelta(minutes=5), last_name="Aubert"),
        submit_lead(
            workspace,
            submitted_at=clock() - timedelta(minutes=50),
            last_name="Bernard",
            phone="0611111111",
        ),
        submit_lead(
            workspace,
            submitted_at=clock() - timedelta(hours=5),
            last_name="Carpentier",
            phone="0622222222",
        ),
    ]


@pytest.fixture
def window(qtbot, workspace, clock, expert, leads) -> MainWindow:
    dialed: list[str] = []
    win = MainWindow(AppContext(workspace, expert, clock, lambda url: dialed.append(url) or True))
    win.dialed = dialed  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    settle(qtbot, win)
    return win


def press(
    qtbot,
    window: MainWindow,
    key: Qt.Key,
    modifier=Qt.KeyboardModifier.NoModifier,
    wait: bool = True,
) -> None:
    """Press a key, then wait for the screen to show its effect (as a user looks at it)."""
    # The offscreen platform does not hand activation back after a modal dialog closes.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window.table, key, modifier)
    if wait:
        settle(qtbot, window)


def test_sign_in_screen(qtbot, workspace, expert) -> None:
    dialog = SignInDialog(workspace, "expert1")
    qtbot.addWidget(dialog)
    dialog.password.setText("faux")
    dialog.submit()
    settle(qtbot, dialog)
    assert dialog.user is None
    assert "incorrect" in dialog.form.error_text("password")
    dialog.password.setText("demo")
    dialog.submit()
    settle(qtbot, dialog)
    assert dialog.user == expert


def test_expert_works_the_queue_with_the_keyboard(qtbot, window, workspace, clock, leads) -> None:
    first, second, _third = leads
    settle(qtbot, window)  # no lead yet: the lead actions wait for one
    assert not window.act_call.isEnabled() and not window.act_close.isEnabled()
    press(qtbot, window, Qt.Key.Key_F2)  # next lead: the freshest
    assert window.panel.detail.id == first

    press(qtbot, window, Qt.Key.Key_F3)  # call
    assert window.dialed == ["tel:+33612345678"]
    assert window.panel.timer.started_at == clock()
    clock.advance(minutes=2)
    window.panel.notes.setPlainText("Messagerie")
    press(qtbot, window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # unreachable
    with workspace.sessions() as session:
        attempt = session.scalars(select(CallAttempt)).one()
        assert (attempt.duration_seconds, attempt.notes) == (120, "Messagerie")
        assert attempt.disposition == Disposition.UNREACHABLE
    assert window.model.row_of(first) is not None  # still in the queue, further down

    press(qtbot, window, Qt.Key.Key_F2)
    assert window.panel.detail.id == second

    def pick_slot(dialog: CallbackDialog) -> None:
        dialog.set_slot(clock() + timedelta(hours=3))
        dialog.note.setText("Rappeler à 14 h, en réunion")
        dialog.submit()

    when_dialog_opens(pick_slot)
    press(qtbot, window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)  # callback asked
    assert window.model.row_of(second) is None  # left the queue

    clock.advance(hours=3)
    press(qtbot, window, Qt.Key.Key_F5)  # refresh: the callback is due, first in the queue
    assert window.model.lead_at(0).lead_id == second
    press(qtbot, window, Qt.Key.Key_F2)
    assert window.panel.detail.id == second


def test_requalify_keeps_what_was_typed_then_qualify_and_release(
    qtbot, window, workspace, leads
) -> None:
    press(qtbot, window, Qt.Key.Key_F2)
    seen: dict[str, str] = {}

    def fill(dialog: RequalificationDialog) -> None:
        dialog.budget.setText("22 000")
        dialog.phone.setText("06 12")
        dialog.submit()
        settle(qtbot, window)
        seen["phone_error"] = dialog.form.error_text("phone")
        seen["typed"] = dialog.phone.text()
        seen["still_open"] = str(dialog.isVisible())
        dialog.phone.setText("06 12 34 56 79")
        dialog.verified.setChecked(True)
        dialog.submit()

    when_dialog_opens(fill)
    press(qtbot, window, Qt.Key.Key_F6)
    assert "invalide" in seen["phone_error"]
    assert seen["typed"] == "06 12" and seen["still_open"] == "True"
    press(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # qualified
    press(qtbot, window, Qt.Key.Key_F7)  # release
    with workspace.sessions() as session:
        lead = session.get(Lead, leads[0])
        assert lead.status == LeadStatus.RELEASED
        assert lead.phone_e164 == "+33612345679"
        assert lead.qualified_budget_cents == 2_200_000


def test_callback_outside_hours_offers_the_next_allowed_slot(qtbot, window, clock) -> None:
    press(qtbot, window, Qt.Key.Key_F2)
    seen: dict[str, object] = {}

    def evening(dialog: CallbackDialog) -> None:
        dialog.set_slot(clock() + timedelta(hours=10))  # 21:00 Paris
        dialog.submit()
        settle(qtbot, window)
        seen["message"] = dialog.refusal.text()
        seen["offered"] = dialog.use_suggestion.isVisible()
        dialog.use_suggestion.click()
        seen["slot"] = dialog.request().due_at
        dialog.submit()

    when_dialog_opens(evening)
    press(qtbot, window, Qt.Key.Key_F4)
    assert "Hors horaires légaux" in seen["message"]
    assert seen["offered"] is True
    assert seen["slot"] == clock() + timedelta(hours=23)  # tomorrow 10:00 Paris


def test_call_refused_outside_hours(qtbot, window, clock, monkeypatch) -> None:
    press(qtbot, window, Qt.Key.Key_F2)
    clock.advance(hours=10)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    press(qtbot, window, Qt.Key.Key_F3)
    assert window.dialed == []
    assert "Prochain créneau autorisé" in warnings[0]


def test_search_by_phone(qtbot, window, leads) -> None:
    window.search.setText("06 11 11 11 11")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert window.model.rowCount() == 1
    assert window.panel.detail.id == leads[1]


def test_no_callable_lead_says_so(qtbot, window, clock, expert: StaffMember) -> None:
    clock.advance(days=4)  # Saturday
    press(qtbot, window, Qt.Key.Key_F2)
    assert "Aucun lead" in window.messages.text()


def test_window_applies_the_configured_rules(
    qtbot, workspace, clock, expert, leads, monkeypatch
) -> None:
    from datetime import time

    from app.policy.calling_rules import CallingRules
    from app.settings import Settings

    morning_only = Settings(calling=CallingRules(calling_windows=((time(9), time(11)),)))
    dialed: list[str] = []
    win = MainWindow(
        AppContext(
            workspace, expert, clock, lambda url: dialed.append(url) or True, settings=morning_only
        )
    )
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.select_lead(leads[0])  # 11:00 in Paris: the configured window has just closed
    settle(qtbot, win)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    press(qtbot, win, Qt.Key.Key_F3)
    assert dialed == [] and "Hors horaires légaux" in warnings[0]


def test_call_without_softphone_says_to_dial_by_hand(
    qtbot, workspace, clock, expert, leads
) -> None:
    win = MainWindow(AppContext(workspace, expert, clock, lambda _url: False))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    press(qtbot, win, Qt.Key.Key_F2)
    press(qtbot, win, Qt.Key.Key_F3)
    assert "composez le 06 12 34 56 78" in win.messages.text()
    assert win.panel.timer.started_at == clock()
    win.messages.copy()  # the whole number, ready to paste in a softphone
    assert QApplication.clipboard().text() == "06 12 34 56 78"
    press(qtbot, win, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)


def test_a_long_message_is_shown_whole(qtbot, window) -> None:
    """The message has the window's whole width and wraps: nothing is cut off."""
    long = (
        "Aucun logiciel de téléphonie ne prend les liens « tel: » ; composez le 07 39 12 34 56. "
        * 3
    )
    window.say(long, "07 39 12 34 56")
    bar = window.messages
    assert bar.text() == long
    assert bar.label.wordWrap()
    assert bar.width() > window.width() * 0.9
    assert bar.label.height() >= bar.label.heightForWidth(bar.label.width())


def _answer_running_call(button_text: str, seen: dict) -> None:
    def handle(box) -> None:  # type: ignore[no-untyped-def]
        seen["text"] = box.text()
        for button in box.buttons():
            if button.text() == button_text:
                button.click()
                return

    when_dialog_opens(handle)


def test_leaving_a_running_call_asks_its_outcome(qtbot, window, workspace, clock, leads) -> None:
    first, second, _third = leads
    press(qtbot, window, Qt.Key.Key_F2)
    press(qtbot, window, Qt.Key.Key_F3)
    with workspace.sessions() as session:  # recorded when it started: it counts already
        attempt = session.scalars(select(CallAttempt)).one()
        assert attempt.disposition == Disposition.PENDING
        assert session.get(Lead, first).call_attempt_count == 1
    seen: dict = {}
    _answer_running_call("Annuler", seen)
    press(qtbot, window, Qt.Key.Key_F2)  # cancelled: still on the lead, call running
    assert "est en cours" in seen["text"]
    assert window.panel.detail.id == first and window.panel.timer.started_at is not None
    _answer_running_call("Annuler", seen)
    press(qtbot, window, Qt.Key.Key_F8)
    assert window.panel.detail.id == first
    _answer_running_call("Annuler", seen)
    assert window.close() is False  # closing the window asks too
    assert window.isVisible()

    clock.advance(seconds=40)
    _answer_running_call("Injoignable", seen)
    press(qtbot, window, Qt.Key.Key_F2)
    with workspace.sessions() as session:
        attempt = session.scalars(select(CallAttempt)).one()
        assert (attempt.disposition, attempt.duration_seconds) == (Disposition.UNREACHABLE, 40)
    assert window.panel.detail.id == second
    assert window.panel.timer.started_at is None


def test_a_call_left_running_resumes_with_the_lead(qtbot, workspace, clock, expert, leads) -> None:
    """After a crash the started call is still there: the panel times it again and leaving
    the lead still asks for its outcome."""
    from app.services.leads.lead_actions import LeadActions

    started = LeadActions(workspace.sessions, clock, expert).start_call(leads[0])
    clock.advance(minutes=1)
    win = MainWindow(AppContext(workspace, expert, clock, lambda _url: True))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.select_lead(leads[0])
    settle(qtbot, win)
    assert win.panel.timer.started_at == started.started_at
    assert win.panel.timer.elapsed() == 60
    press(qtbot, win, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert win.panel.timer.started_at is None


def test_opposition_is_not_confirmed_by_enter(qtbot, window, workspace, leads) -> None:
    press(qtbot, window, Qt.Key.Key_F2)
    when_dialog_opens(lambda box: qtbot.keyClick(box, Qt.Key.Key_Return))
    press(qtbot, window, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    with workspace.sessions() as session:
        assert session.get(Lead, leads[0]).status == LeadStatus.TO_QUALIFY


def test_the_next_lead_is_shown_from_its_top(qtbot, window, leads) -> None:
    press(qtbot, window, Qt.Key.Key_F2)
    window.panel.resize(400, 200)
    bar = window.panel.verticalScrollBar()
    bar.setValue(bar.maximum())
    assert bar.value() > 0
    press(qtbot, window, Qt.Key.Key_F2)  # skips to the next lead
    assert window.panel.detail.id == leads[1]
    assert bar.value() == 0


def test_times_of_an_overseas_lead_say_their_zone(qtbot, workspace, clock, expert) -> None:
    lead = submit_lead(workspace, phone="0690 12 34 56", postcode="97110", city="Pointe-à-Pitre")
    win = MainWindow(AppContext(workspace, expert, clock, lambda _url: True))
    qtbot.addWidget(win)
    win.select_lead(lead)  # Tuesday 11:00 in Paris is 06:00 in Guadeloupe
    settle(qtbot, win)
    text = win.panel.call_state.text()
    assert "Heure du consommateur : 06:00 (America/Guadeloupe)" in text
    assert "heure de Paris : 11:00" in text
    assert "10:00 heure du consommateur (America/Guadeloupe), soit" in text
    assert "15:00 heure de Paris" in text
    row = win.model.row_of(lead)
    assert "Paris (10:00 loc.)" in win.model.index(row, 8).data()


def test_a_manager_steers_from_the_pilotage_menu(qtbot, workspace, clock) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMenu

    from app.domain.enums import Role
    from tests.conftest import add_user

    manager = add_user(workspace, "manager1", Role.MANAGER)
    opened: list[bool] = []
    win = MainWindow(
        AppContext(workspace, manager, clock, lambda _url: True),
        open_sales=lambda: opened.append(True),
    )
    qtbot.addWidget(win)
    menus = {m.title(): m for m in win.menuBar().findChildren(QMenu)}
    steering = {a.text(): a for a in menus["&Pilotage"].actions()}
    assert set(steering) == {
        "Comptes…",
        "Leads invendus…",
        "Facturation mensuelle…",
        "Factures et encaissements…",
        "Prospection, contrats et contestations…",
    }
    steering["Prospection, contrats et contestations…"].trigger()
    assert opened == [True]
    steering["Factures et encaissements…"].trigger()
    assert win.billing_window is not None and win.billing_window.isVisible()
    assert win.billing_window.tabs.count() == 4
    settle(qtbot, win)


def test_experts_have_no_pilotage_menu(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMenu

    assert "&Pilotage" not in {m.title() for m in window.menuBar().findChildren(QMenu)}


def test_f2_then_f3_at_once_calls_the_lead_handed_out(qtbot, window, workspace, leads) -> None:
    """The keys wait for the screen: F3 pressed before the next lead is shown calls it."""
    press(qtbot, window, Qt.Key.Key_F2, wait=False)
    press(qtbot, window, Qt.Key.Key_F3, wait=False)
    settle(qtbot, window)
    assert window.panel.detail.id == leads[0]
    assert window.dialed == ["tel:+33612345678"]
    with workspace.sessions() as session:
        attempt = session.scalars(select(CallAttempt)).one()
        assert attempt.lead_id == leads[0] and attempt.disposition == Disposition.PENDING
    press(qtbot, window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier, wait=False)
    press(qtbot, window, Qt.Key.Key_F2, wait=False)  # waits for the outcome: no question
    settle(qtbot, window)
    assert window.panel.detail.id == leads[1]
    assert window.panel.timer.started_at is None


def test_a_change_announced_elsewhere_refreshes_the_queue_and_the_lead(
    qtbot, window, workspace, clock, expert, leads
) -> None:
    """Another screen (or a sync) writes and announces it: the window follows by itself."""
    from app.domain.enums import CloseReason
    from app.services.leads.lead_actions import LeadActions
    from ui.core.changes import Changes

    window.select_lead(leads[0])
    settle(qtbot, window)
    assert window.model.row_of(leads[0]) is not None
    LeadActions(workspace.sessions, clock, expert).close(leads[0], CloseReason.DUPLICATE)
    window.context.changes.announce(Changes.of("leads", leads[0]))
    settle(qtbot, window)
    assert window.model.row_of(leads[0]) is None  # left the call queue
    assert window.panel.detail.status == LeadStatus.CLOSED
    assert not window.act_call.isEnabled()


def test_a_late_detail_of_a_lead_left_is_dropped(qtbot, window, leads, monkeypatch) -> None:
    import threading

    import ui.queue.main_window as main_window

    first_may_answer = threading.Event()
    load = main_window.load_lead_detail

    def slow_for_the_first(sessions, lead_id, *args):  # type: ignore[no-untyped-def]
        if lead_id == leads[0]:
            first_may_answer.wait(10)
        return load(sessions, lead_id, *args)

    settle(qtbot, window)  # the queue's first page shown before the user picks leads
    monkeypatch.setattr(main_window, "load_lead_detail", slow_for_the_first)
    window.select_lead(leads[0])
    window.select_lead(leads[1])
    shown = window.panel
    qtbot.waitUntil(lambda: shown.detail is not None and shown.detail.id == leads[1])
    first_may_answer.set()
    settle(qtbot, window)
    assert window.panel.detail.id == leads[1]


def test_the_window_remembers_its_splitter_and_columns(
    qtbot, workspace, clock, expert, leads, tmp_path
) -> None:
    from PySide6.QtCore import QSettings

    from ui.core.remembered import Remembered

    def open_window() -> MainWindow:
        settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
        context = AppContext(workspace, expert, clock, lambda _url: True)
        context.remembered = Remembered(settings)
        win = MainWindow(context)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        settle(qtbot, win)
        return win

    first = open_window()
    first.resize(760, 540)  # inside the offscreen screen, so that it comes back as it is
    qtbot.waitUntil(lambda: first.width() == 760)
    first.table.setColumnWidth(2, 333)
    first.splitter.setSizes([500, 250])
    first.splitter.splitterMoved.emit(500, 1)  # as a drag of the handle reports it
    sizes = first.splitter.sizes()
    first.close()
    second = open_window()
    assert second.size() == first.size()
    assert second.table.columnWidth(2) == 333
    assert second.splitter.sizes() == sizes


def test_choosing_another_row_during_a_call_asks_its_outcome_first(
    qtbot, window, workspace, leads
) -> None:
    first, second, _third = leads
    press(qtbot, window, Qt.Key.Key_F2)
    press(qtbot, window, Qt.Key.Key_F3)
    seen: dict = {}
    _answer_running_call("Annuler", seen)
    window.table.selectRow(window.model.row_of(second))  # stays on the call
    settle(qtbot, window)
    assert "est en cours" in seen["text"]
    assert window.panel.detail.id == first
    qtbot.waitUntil(lambda: window.table.currentIndex().row() == window.model.row_of(first))
    _answer_running_call("Injoignable", seen)
    window.table.selectRow(window.model.row_of(second))
    settle(qtbot, window)
    assert window.panel.detail.id == second and window.panel.timer.started_at is None
    with workspace.sessions() as session:
        attempt = session.scalars(select(CallAttempt)).one()
        assert (attempt.lead_id, attempt.disposition) == (first, Disposition.UNREACHABLE)
