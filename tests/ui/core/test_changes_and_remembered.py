"""The change notification and the remembered UI."""

from __future__ import annotations

import uuid
from pathlib import Path

import shiboken6
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QSplitter, QTableWidget, QWidget

from ui.core.changes import ALL, ChangeBus, Changes
from ui.core.remembered import Remembered, keep_window


def test_changes_merge_by_table_and_unknown_ids_mean_any() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    merged = Changes.of("leads", a) | Changes.of("leads", b) | Changes.of("invoices", a)
    assert merged.ids("leads") == {a, b} and merged.ids("invoices") == {a}
    assert (merged | Changes.tables_only("leads")).ids("leads") == ALL
    assert merged.ids("providers") is None
    assert merged.touches({"providers", "invoices"}) and not merged.touches({"contracts"})
    assert not Changes()


def test_a_view_hears_only_its_tables_and_only_while_it_lives(qapp) -> None:  # type: ignore[no-untyped-def]
    bus = ChangeBus()
    view = QWidget()
    heard: list[Changes] = []
    bus.watch(view, {"leads", "call_attempts"}, heard.append)
    bus.announce(Changes.tables_only("invoices"))
    bus.announce(Changes())  # nothing changed: nothing announced
    bus.announce(Changes.of("call_attempts", uuid.uuid4()))
    assert len(heard) == 1
    shiboken6.delete(view)
    bus.announce(Changes.tables_only("leads"))
    assert len(heard) == 1


def _settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def test_column_widths_splitters_and_geometry_come_back(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    remembered = Remembered(_settings(tmp_path))
    table = QTableWidget(3, 3)
    qtbot.addWidget(table)
    remembered.keep_header(table.horizontalHeader(), "test/table")
    table.setColumnWidth(1, 233)
    splitter = QSplitter()
    qtbot.addWidget(splitter)
    splitter.addWidget(QWidget())
    splitter.addWidget(QWidget())
    splitter.resize(600, 100)
    splitter.show()
    remembered.keep_splitter(splitter, "test/split")
    splitter.moveSplitter(150, 1)
    sizes = splitter.sizes()
    window = QWidget()
    qtbot.addWidget(window)
    keep_window(remembered, window, "test/window")
    window.setGeometry(40, 50, 700, 500)
    window.show()
    window.close()

    again = Remembered(_settings(tmp_path))
    table2 = QTableWidget(3, 3)
    qtbot.addWidget(table2)
    again.keep_header(table2.horizontalHeader(), "test/table")
    assert table2.columnWidth(1) == 233
    splitter2 = QSplitter()
    qtbot.addWidget(splitter2)
    splitter2.addWidget(QWidget())
    splitter2.addWidget(QWidget())
    splitter2.resize(600, 100)
    splitter2.show()
    again.keep_splitter(splitter2, "test/split")
    assert splitter2.sizes() == sizes
    window2 = QWidget()
    qtbot.addWidget(window2)
    keep_window(again, window2, "test/window")
    assert window2.size().width() == 700


def test_the_last_folder_is_offered_again_and_a_vanished_one_is_not(tmp_path: Path) -> None:
    remembered = Remembered(_settings(tmp_path))
    folder = tmp_path / "exports"
    folder.mkdir()
    assert remembered.last_folder("invoices", tmp_path) == str(tmp_path)
    remembered.remember_folder("invoices", folder / "F2026-000001.pdf")
    assert remembered.last_folder("invoices") == str(folder)
    folder.rmdir()
    assert remembered.last_folder("invoices", tmp_path) == str(tmp_path)
