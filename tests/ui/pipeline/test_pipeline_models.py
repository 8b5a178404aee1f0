"""The sales window's models (provider list, my day), its change-bus refreshes, the import's
cancel, and the remembered columns."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import func, select

from app.demo.generator import build_demo_workspace
from app.demo.providers import write_prospect_csv
from app.domain.enums import Role
from app.persistence.models import Provider, User
from app.services.auth import StaffMember
from app.services.providers.providers import NewProvider, ProviderForm
from app.workspace import Workspace, open_workspace
from tests.conftest import FakeClock
from tests.ui.conftest import settle
from ui.core.changes import Changes
from ui.core.context import AppContext
from ui.pipeline import provider_list
from ui.pipeline.my_day import DayColumn
from ui.pipeline.provider_list import Column
from ui.pipeline.sales_window import SalesWindow

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("models") / "demo.sqlite"
    build_demo_workspace(path, 2000, now=NOW)
    return path


@pytest.fixture
def demo(demo_path: Path, tmp_path: Path) -> Iterator[Workspace]:
    copy = tmp_path / "demo.sqlite"
    copy.write_bytes(demo_path.read_bytes())
    workspace = open_workspace(copy)
    yield workspace
    workspace.close()


def _window(qtbot, demo: Workspace) -> SalesWindow:  # type: ignore[no-untyped-def]
    with demo.sessions() as session:
        user = session.scalar(select(User).where(User.username == "sales1"))
        assert user is not None
        rep = StaffMember(user.id, user.username, user.display_name, Role.SALES)
    win = SalesWindow(AppContext(demo, rep, FakeClock(NOW), lambda _url: False))
    qtbot.addWidget(win)
    win.show()
    settle(qtbot, win)
    return win


@pytest.fixture
def window(qtbot, demo: Workspace) -> SalesWindow:  # type: ignore[no-untyped-def]
    return _window(qtbot, demo)


def test_the_models_pass_the_model_tester(window, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    assert window.list.model.rowCount() > 0 and window.day_model.rowCount() > 0
    qtmodeltester.check(window.list.model)
    qtmodeltester.check(window.day_model)


def test_the_list_loads_page_by_page_in_the_order_of_the_column(  # type: ignore[no-untyped-def]
    window, qtbot, monkeypatch
) -> None:
    monkeypatch.setattr(provider_list, "PAGE", 7)
    window.list.load()
    settle(qtbot, window)
    model = window.list.model
    assert model.total == 40 and model.rowCount() < 40  # the first pages only
    while model.canFetchMore():
        model.fetchMore()
        settle(qtbot, window)
    assert model.rowCount() == 40
    ids = [row.id for row in model.rows]
    assert len(set(ids)) == 40  # no page repeats a row
    # A click on « Ville »: the database sorts, descending, from the first page again.
    window.list.table.sortByColumn(Column.CITY, Qt.SortOrder.DescendingOrder)
    settle(qtbot, window)
    postcodes = [row.postcode for row in model.rows]
    assert postcodes == sorted(postcodes, reverse=True)
    assert model.rowCount() <= 14


def test_a_change_announced_elsewhere_refreshes_the_views(window, qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    before = window.list.model.total
    prospects = window.board.columns
    created = window.service.create(
        NewProvider(ProviderForm(company_name="Zinguerie Nouvelle", postcode="75011", city="Paris"))
    )
    # Written by another screen (or pulled by the sync): nothing shown yet, no refresh() call.
    assert window.list.model.total == before
    window.context.changes.announce(Changes.of("providers", created))
    settle(qtbot, window)
    assert window.list.model.total == before + 1
    assert window.count_label.text() == f"{before + 1} prestataire(s)"
    assert window.board.find(created) is not None
    assert prospects  # the board's columns stay the same widgets


def test_my_day_sorts_in_the_model(window) -> None:  # type: ignore[no-untyped-def]
    model = window.day_model
    window.day.sortByColumn(DayColumn.PROVIDER, Qt.SortOrder.AscendingOrder)
    names = [item.company_name.casefold() for item in model.items]
    assert names == sorted(names)
    window.day.sortByColumn(DayColumn.DUE, Qt.SortOrder.AscendingOrder)
    due = [item.due_at for item in model.items]
    assert due == sorted(due)


def test_a_cancelled_import_stops_between_batches_and_says_what_was_written(  # type: ignore[no-untyped-def]
    window, qtbot, demo, tmp_path
) -> None:
    from ui.pipeline.import_dialog import ImportDialog

    path = write_prospect_csv(tmp_path / "prospects.csv", 1500)
    dialog = ImportDialog(window.context, path, window)
    qtbot.addWidget(dialog)
    settle(qtbot, window)
    dialog.analyse()
    settle(qtbot, window)
    assert dialog.plan is not None and len(dialog.plan.rows) > 1000
    with demo.sessions() as session:
        before = session.scalar(select(func.count()).select_from(Provider))

    # The first batch waits until the rep has pressed « Annuler ».
    service = window.context.providers
    entered, pressed = threading.Event(), threading.Event()
    original = service.add_checked

    def add_checked(*args, **kwargs):  # type: ignore[no-untyped-def]
        entered.set()
        pressed.wait(10)
        return original(*args, **kwargs)

    service.add_checked = add_checked  # type: ignore[method-assign]
    dialog.run_import()
    qtbot.waitUntil(entered.is_set)
    assert dialog.progress_dialog is not None
    dialog.progress_dialog.findChild(QPushButton).click()  # « Annuler »
    pressed.set()
    settle(qtbot, window)
    result = dialog.result
    assert result is not None and result.cancelled
    written = result.created + result.merged
    assert 0 < written <= 500  # the first batch, whole; nothing of the next
    with demo.sessions() as session:
        after = session.scalar(select(func.count()).select_from(Provider))
    assert after - before == result.created
    assert "Import annulé en cours de route" in dialog.summary.text()


def test_the_columns_and_the_window_are_remembered(qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    first = _window(qtbot, demo)
    header = first.list.table.horizontalHeader()
    header.resizeSection(Column.SIREN, 177)
    header.moveSection(header.visualIndex(Column.OWNER), 0)
    first.resize(611, 433)  # the offscreen screen is 800 × 600
    size = (first.width(), first.height())  # no narrower than its toolbar allows
    first.close()
    second = _window(qtbot, demo)
    again = second.list.table.horizontalHeader()
    assert again.sectionSize(Column.SIREN) == 177
    assert again.visualIndex(Column.OWNER) == 0
    assert (second.width(), second.height()) == size and size[1] == 433
