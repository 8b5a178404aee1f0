"""The sales rep's screens: board drag and drop, list filters, my day, import, simulation, PDF."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QInputDialog
from sqlalchemy import select

from app.demo.generator import build_demo_workspace
from app.demo.providers import write_prospect_csv
from app.domain.enums import Role
from app.domain.money import format_euros
from app.domain.providers import CallOutcome, ProviderStage
from app.persistence.models import Provider, User
from app.reference import sectors
from app.services.auth import StaffMember
from app.services.providers.provider_queries import CategoryChoice, ProviderFilter
from app.services.reference_data import install_reference_data
from app.workspace import Workspace, create_workspace, open_workspace
from tests.conftest import FakeClock
from tests.ui.conftest import settle, when_dialog_opens
from ui.contracts.coverage_editor import Catalogue, CategoryTree
from ui.core.changes import Changes
from ui.core.context import AppContext
from ui.pipeline.sales_window import SalesWindow

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sales") / "demo.sqlite"
    build_demo_workspace(path, 6000, now=NOW)
    return path


@pytest.fixture
def demo(demo_path: Path, tmp_path: Path) -> Iterator[Workspace]:
    copy = tmp_path / "demo.sqlite"
    copy.write_bytes(demo_path.read_bytes())
    workspace = open_workspace(copy)
    yield workspace
    workspace.close()


@pytest.fixture
def window(qtbot, demo: Workspace) -> SalesWindow:  # type: ignore[no-untyped-def]
    with demo.sessions() as session:
        user = session.scalar(select(User).where(User.username == "sales1"))
        assert user is not None
        rep = StaffMember(user.id, user.username, user.display_name, Role.SALES)
    clock = FakeClock(NOW)
    dialed: list[str] = []
    win = SalesWindow(AppContext(demo, rep, clock, lambda url: dialed.append(url) or False))
    win.dialed = dialed  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    win.show()
    settle(qtbot, win)
    return win


def _file(window, provider_id):  # type: ignore[no-untyped-def]
    """The provider's file, read as the window reads it before opening a dialog."""
    return window.queries.provider_file(provider_id)


def _stage(demo: Workspace, provider_id) -> str:  # type: ignore[no-untyped-def]
    with demo.sessions() as session:
        provider = session.get(Provider, provider_id)
        assert provider is not None
        return provider.stage


def test_board_shows_the_pipeline_and_a_drop_moves_the_provider(window, demo, qtbot) -> None:  # type: ignore[no-untyped-def]
    board = window.board
    prospects = board.columns[ProviderStage.PROSPECT]
    assert prospects.count() > 0
    total = sum(c.count() for c in board.columns.values())
    assert total == 40
    prospects.setCurrentRow(0)
    provider_id = prospects.currentItem().data(Qt.ItemDataRole.UserRole)
    target = board.columns[ProviderStage.SIMULATION_SHOWN]
    before = target.count()
    # A real drop event from the prospect column onto the "simulation shown" column.
    mime = prospects.model().mimeData([prospects.currentIndex()]) or QMimeData()
    event = QDropEvent(
        QPoint(5, 5).toPointF(),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    event.source = lambda: prospects  # type: ignore[method-assign]
    target.dropEvent(event)
    settle(qtbot, window)
    assert _stage(demo, provider_id) == ProviderStage.SIMULATION_SHOWN
    assert target.count() == before + 1
    assert board.find(provider_id) is ProviderStage.SIMULATION_SHOWN


def test_moving_to_lost_asks_for_the_reason(window, demo, monkeypatch, qtbot) -> None:  # type: ignore[no-untyped-def]
    provider_id = (
        window.board.columns[ProviderStage.CONTACTED].item(0).data(Qt.ItemDataRole.UserRole)
    )
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Prix trop élevé", True))
    window.move_to_stage(provider_id, ProviderStage.LOST)
    settle(qtbot, window)
    assert _stage(demo, provider_id) == ProviderStage.LOST


def test_list_filters_and_my_day(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert window.list.model.rowCount() == 40
    assert window.count_label.text() == "40 prestataire(s)"
    window.filters.stage.setCurrentIndex(window.filters.stage.findData("signed"))
    settle(qtbot, window)
    assert 0 < window.list.model.rowCount() < 40
    window.filters.save_current("Signés")
    settle(qtbot, window)  # the saved search announced: the combo fills itself
    assert window.filters.saved.itemText(1) == "Signés"
    window.filters.stage.setCurrentIndex(0)
    settle(qtbot, window)
    assert window.list.model.rowCount() == 40
    window.filters.saved.setCurrentIndex(1)
    window.filters.saved.activated.emit(1)
    settle(qtbot, window)
    assert window.list.model.rowCount() < 40
    # Demo calls due today are on "my day", in time order.
    items = window.day_model.items
    assert items and [i.due_at for i in items] == sorted(i.due_at for i in items)


def test_call_logged_on_a_prospect(window, demo, qtbot) -> None:  # type: ignore[no-untyped-def]
    provider_id = (
        window.board.columns[ProviderStage.PROSPECT].item(0).data(Qt.ItemDataRole.UserRole)
    )
    window.log_call(provider_id, CallOutcome.REACHED, "Intéressé par la cuisine")
    settle(qtbot, window)
    assert _stage(demo, provider_id) == ProviderStage.CONTACTED
    # The board followed from the change announced, without a refresh call.
    assert window.board.find(provider_id) is ProviderStage.CONTACTED


def test_import_dialog_lists_duplicates_and_bad_rows(window, demo, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.pipeline.import_dialog import ImportDialog

    path = write_prospect_csv(tmp_path / "prospects.csv", 100, demo.sessions)
    dialog = ImportDialog(window.context, path, window)
    qtbot.addWidget(dialog)
    settle(qtbot, window)
    dialog.analyse()
    settle(qtbot, window)
    assert dialog.bad.rowCount() == 15
    assert dialog.duplicates.rowCount() == 10
    dialog.run_import()
    settle(qtbot, window)
    assert dialog.result is not None
    assert dialog.result.created == 75
    assert "75 créés" in dialog.summary.text()


def test_simulation_for_a_provider_then_pdf_and_stage(window, demo, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    provider_id = (
        window.board.columns[ProviderStage.CONTACTED].item(0).data(Qt.ItemDataRole.UserRole)
    )
    dialog = window.simulation_dialog(provider_id, _file(window, provider_id))
    # Preset from the provider's file: its two categories and its département.
    assert len(dialog.checked_categories()) == 2
    assert dialog.departements.text()
    dialog.departements.setText("75, 92, 93, 94")
    dialog.compute()
    settle(qtbot, window)
    assert dialog.result is not None, dialog.error.text()
    assert dialog.table.rowCount() == 12
    assert "demandes par mois" in dialog.summary.text()
    assert len(dialog.chart.series()) == 3
    # The cost beside each count is that whole count times the price (25 €).
    for row in range(dialog.table.rowCount()):
        leads = int(dialog.table.item(row, 2).text())
        assert dialog.table.item(row, 4).text() == format_euros(leads * 2500)
    assert "nombre entier" in dialog.method.text()
    path = tmp_path / "simulation.pdf"
    assert dialog.export_pdf(path) is not None
    settle(qtbot, window)
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    assert dialog.prospect_name in text
    assert "Méthode" in text
    assert "nombre entier" in " ".join(text.split())
    dialog.shown_button.click()
    settle(qtbot, window)
    assert _stage(demo, provider_id) == ProviderStage.SIMULATION_SHOWN


def test_simulation_without_history_says_so(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    settle(qtbot, window)
    dialog = window.simulation_dialog(None)
    dialog.category_tree.set_checked([window.catalogue.choices[0].id])
    dialog.departements.setText("976")  # the demo has no leads in Mayotte
    dialog.compute()
    settle(qtbot, window)
    assert dialog.result is None
    assert "Aucune demande" in dialog.error.text()
    assert not dialog.pdf_button.isEnabled()


def test_simulation_bad_input_keeps_what_was_typed(window) -> None:  # type: ignore[no-untyped-def]
    dialog = window.simulation_dialog(None)
    dialog.departements.setText("75, 999")
    dialog.price.setText("abc")
    dialog.compute()
    assert "inconnu" in dialog.form.error_text("departements")
    assert dialog.form.error_text("price")
    assert dialog.departements.text() == "75, 999"


def test_reps_follow_invoices_and_the_server_commands_stay_the_managers(window) -> None:  # type: ignore[no-untyped-def]
    window.actions_by_name["Factures"].trigger()
    billing = window.billing_window
    assert billing is not None and billing.isVisible() and billing.tabs.count() == 4
    assert not billing.debits.prepare_button.isEnabled()
    assert "manager" in billing.debits.prepare_button.toolTip()
    window.refresh()  # F5: the window reads again; the billing window follows the bus


def _double_click(qtbot, view, rect) -> None:  # type: ignore[no-untyped-def]
    """What a real double click delivers: press, release, press, double click, release."""
    left, centre = Qt.MouseButton.LeftButton, rect.center()
    qtbot.mousePress(view.viewport(), left, pos=centre)
    qtbot.mouseRelease(view.viewport(), left, pos=centre)
    qtbot.mousePress(view.viewport(), left, pos=centre)
    qtbot.mouseDClick(view.viewport(), left, pos=centre)
    qtbot.mouseRelease(view.viewport(), left, pos=centre)


@pytest.fixture
def dialog_titles() -> Iterator[list[str]]:
    """Closes each modal dialog that opens during the test; the list of their titles."""
    titles: list[str] = []
    running = [True]

    def close(dialog) -> None:  # type: ignore[no-untyped-def]
        if not running[0]:
            return
        titles.append(dialog.windowTitle())
        dialog.reject()
        when_dialog_opens(close)

    when_dialog_opens(close)
    yield titles
    running[0] = False  # a later test's dialogs are not this one's


def test_a_double_clicked_card_opens_the_file_once_and_closing_it_is_clean(  # type: ignore[no-untyped-def]
    window, qtbot, dialog_titles
) -> None:
    column = window.board.columns[ProviderStage.PROSPECT]
    name = column.item(0).text().split("\n")[0]
    titles = dialog_titles
    _double_click(qtbot, column, column.visualItemRect(column.item(0)))
    qtbot.waitUntil(lambda: len(titles) >= 1)
    # Enter on a card opens it as well; the board was refreshed meanwhile.
    column.setCurrentRow(0)
    column.setFocus()
    qtbot.keyClick(column, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(titles) >= 2)
    assert titles == [f"Prestataire – {name}", f"Prestataire – {name}"]


def test_a_double_clicked_row_of_the_list_opens_that_provider_only(  # type: ignore[no-untyped-def]
    window, qtbot, dialog_titles
) -> None:  # type: ignore[no-untyped-def]
    window.tabs.setCurrentWidget(window.list)
    table = window.list.table
    name = window.list.model.rows[0].company_name
    titles = dialog_titles
    _double_click(qtbot, table, table.visualRect(window.list.model.index(0, 0)))
    qtbot.waitUntil(lambda: len(titles) >= 1)
    table.setCurrentIndex(window.list.model.index(0, 0))
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(titles) >= 2)
    # Never a second dialog, and never "Nouveau prestataire" for a row the refresh replaced.
    assert titles == [f"Prestataire – {name}", f"Prestataire – {name}"]


def test_a_double_clicked_line_of_my_day_opens_its_provider(  # type: ignore[no-untyped-def]
    window, qtbot, dialog_titles
) -> None:  # type: ignore[no-untyped-def]
    window.tabs.setCurrentWidget(window.day)
    tree = window.day
    titles = dialog_titles
    _double_click(qtbot, tree, tree.visualRect(window.day_model.index(0, 0)))
    qtbot.waitUntil(lambda: len(titles) >= 1)
    assert len(titles) == 1 and titles[0].startswith("Prestataire – ")


def test_open_views_fill_themselves_when_the_first_download_brings_the_reference_data(  # type: ignore[no-untyped-def]
    qtbot, tmp_path
) -> None:
    # A new synced workstation: the window is built before the first download ends.
    workspace = create_workspace(tmp_path / "new.sqlite", reference_data=False)
    with workspace.sessions.begin() as session:
        user = User(username="sales1", display_name="Rep", role=Role.SALES, password_hash="-")
        session.add(user)
        session.flush()
        rep = StaffMember(user.id, user.username, user.display_name, Role.SALES)
    clock = FakeClock(NOW)
    window = SalesWindow(AppContext(workspace, rep, clock, lambda _url: False))
    qtbot.addWidget(window)
    settle(qtbot, window)
    simulation = window.simulation_dialog(None)
    provider = window.provider_dialog(None)
    simulation.category_tree.search.setText("pompe")  # what was typed stays
    assert simulation.category_tree.tree.topLevelItemCount() == 0
    assert window.filters.saved.count() == 1

    # The download brings the reference data and the rep's saved search.
    with workspace.sessions.begin() as session:
        install_reference_data(session)
    window.queries.save_search(rep.id, "Signés", ProviderFilter(stages=("signed",)))
    # What the sync announces when a pull brought rows: no refresh() call.
    window.context.changes.announce(Changes.tables_only("sectors", "categories", "saved_searches"))
    settle(qtbot, window)

    for tree in (simulation.category_tree, provider.category_tree):
        assert tree.tree.topLevelItemCount() == len(sectors())
    sectors_shown = [
        simulation.category_tree.tree.topLevelItem(i)
        for i in range(simulation.category_tree.tree.topLevelItemCount())
    ]
    shown = [s for s in sectors_shown if not s.isHidden()]
    assert [s.text(0) for s in shown] == ["Énergie et chauffage"]  # still filtered by "pompe"
    heat_pump = next(c for c in window.catalogue.choices if c.name == "Pompe à chaleur")
    simulation.category_tree.set_checked([heat_pump.id])
    assert simulation.checked_categories() == [
        (heat_pump.id, "Énergie et chauffage – Pompe à chaleur")
    ]
    assert window.filters.saved.itemText(1) == "Signés"
    workspace.close()


def _ink_top(qtbot, sector_name: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The highest inked pixel of the sector's first letter, and the top of its row."""
    choice = CategoryChoice(uuid.uuid4(), "Pompe à chaleur", sector_name, 2000)
    tree = CategoryTree(Catalogue(lambda: [choice]))
    qtbot.addWidget(tree)
    tree.resize(300, 200)
    tree.show()
    qtbot.waitExposed(tree)
    view = tree.tree
    rect = view.visualItemRect(view.topLevelItem(0))
    image = view.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    left = rect.left() + view.style().pixelMetric(view.style().PixelMetric.PM_IndicatorWidth) + 6
    rows = [
        y
        for y in range(int(rect.top() * ratio), int((rect.bottom() + 1) * ratio))
        for x in range(int(left * ratio), int((left + 12) * ratio))
        if image.pixelColor(x, y).lightness() < 140
    ]
    return min(rows), int(rect.top() * ratio)


def test_a_capital_accent_is_not_cut_off_in_the_category_trees(qtbot) -> None:  # type: ignore[no-untyped-def]
    plain, _ = _ink_top(qtbot, "Energie et chauffage")
    accented, row_top = _ink_top(qtbot, "Énergie et chauffage")
    assert accented > row_top  # the accent's top is inside the row, not clipped by it
    assert plain - accented >= 2  # and it shows above the E


def test_the_trees_list_sectors_in_french_alphabetical_order(window) -> None:  # type: ignore[no-untyped-def]
    tree = window.simulation_dialog(None).category_tree.tree
    names = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert names.index("Déménagement et transport") + 1 == names.index("Énergie et chauffage")


def test_the_window_has_menus_with_its_actions_and_quits_on_ctrl_q(window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    menus = {
        menu.title().replace("&", ""): menu
        for menu in (a.menu() for a in window.menuBar().actions())
        if menu is not None
    }
    assert list(menus) == ["Prestataire", "Ma journée", "Affichage", "Session"]
    in_menus = {action.text(): action for menu in menus.values() for action in menu.actions()}
    for name, action in window.actions_by_name.items():
        assert in_menus[name] is action, name
    session = [a.text() for a in menus["Session"].actions() if not a.isSeparator()]
    assert session == ["Se déconnecter", "Quitter"]
    # No sign-out callback: a manager's second window, whose session is the queue window's.
    assert not in_menus["Se déconnecter"].isVisible()
    quit_action = in_menus["Quitter"]
    assert quit_action.shortcut().toString() == "Ctrl+Q"
    closed: list[bool] = []
    monkeypatch.setattr(QApplication, "closeAllWindows", lambda: closed.append(True))
    quit_action.trigger()
    assert closed == [True]


def test_signing_out_from_the_session_menu_calls_back(qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    with demo.sessions() as session:
        user = session.scalar(select(User).where(User.username == "sales1"))
        rep = StaffMember(user.id, user.username, user.display_name, Role.SALES)
    signed_out: list[bool] = []
    clock = FakeClock(NOW)
    win = SalesWindow(
        AppContext(demo, rep, clock, lambda _url: False),
        on_sign_out=lambda: signed_out.append(True),
    )
    qtbot.addWidget(win)
    win.show()
    assert win.actions_by_name["Se déconnecter"].isVisible()
    win.actions_by_name["Se déconnecter"].trigger()
    assert signed_out == [True] and not win.isVisible()


def test_a_simulation_the_server_cannot_answer_says_so_and_stops_waiting(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    async def offline(_selection):  # type: ignore[no-untyped-def]
        raise ConnectionError("server down")

    dialog = window.simulation_dialog(None)
    dialog.source = offline
    dialog.category_tree.set_checked([window.catalogue.choices[0].id])
    dialog.departements.setText("75")
    # No event loop runs under pytest-qt: the server call's task runs on a loop of its own.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        dialog.compute()
        assert "Calcul en cours" in dialog.summary.text()
        loop.run_until_complete(dialog._task)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert "hors ligne" in dialog.error.text()
    assert "Calcul en cours" not in dialog.summary.text()
    assert dialog.compute_button.isEnabled()
