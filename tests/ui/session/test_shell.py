"""The shell's dialogs: sign-in problems, a damaged workspace with a server, French Qt."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QMessageBox

import ui.session.workspace_dialog as workspace_dialog
from app.domain.enums import Role
from app.domain.errors import ActionRefused
from app.services.auth import SignInUnavailable, StaffMember, active_staff
from app.workspace import WorkstationFolder, create_workspace, unsent_changes
from tests.ui.conftest import settle
from ui.__main__ import install_translations
from ui.core.remembered import Remembered
from ui.session.sign_in_dialog import SignInDialog
from ui.session.workspace_dialog import Choice, open_or_recover


def server_down(_name: str, _password: str) -> StaffMember:
    raise SignInUnavailable(
        "Le serveur ne répond pas, et ce compte ne s'est encore jamais connecté sur ce poste : "
        "la première connexion doit se faire en ligne."
    )


def test_server_down_is_told_in_full_and_does_not_blame_the_password(qtbot) -> None:
    dialog = SignInDialog(None, "expert1", "demo", authenticate=server_down, accounts=[])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.submit()
    settle(qtbot, dialog)
    assert dialog.user is None
    assert dialog.form.error_text("password") == ""
    assert "première connexion" in dialog.problem_text()
    label = dialog.problem
    assert label.height() >= label.heightForWidth(label.width())  # not clipped
    assert dialog.password.text() == "demo"  # what was typed stays


def test_sign_in_preselects_the_last_user(qtbot, tmp_path: Path) -> None:
    folder = WorkstationFolder(tmp_path)
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    folder.remember(uuid.uuid4(), "expert1", "Camille", "expert", now)
    folder.remember(uuid.uuid4(), "sales1", "Jean", "sales", now)
    accounts = [(a.username, a.display_name, a.role) for a in folder.accounts()]
    dialog = SignInDialog(None, folder.last_username(), authenticate=server_down, accounts=accounts)
    qtbot.addWidget(dialog)
    assert dialog.chosen_username() == "sales1"
    assert "Commercial" in dialog.username.currentText()


EXPERT = StaffMember(uuid.uuid4(), "expert1", "Camille", Role.EXPERT)


def test_the_check_runs_off_the_ui_thread_and_keeps_what_was_typed(qtbot) -> None:
    release = threading.Event()
    threads: list[threading.Thread] = []

    def slow_check(name: str, password: str) -> StaffMember:
        threads.append(threading.current_thread())
        release.wait(timeout=10)
        if password != "demo":
            raise ActionRefused("Identifiant ou mot de passe incorrect.")
        return EXPERT

    dialog = SignInDialog(None, "expert1", authenticate=slow_check, accounts=[])
    qtbot.addWidget(dialog)
    dialog.password.setText("faux")
    dialog.submit()
    # While it checks: the button is disabled, the dialog says so, it is still open.
    assert dialog.busy and not dialog.sign_in_button.isEnabled()
    assert not dialog.checking.isHidden()
    release.set()
    settle(qtbot, dialog)
    assert threads and threads[0] is not threading.main_thread()
    assert not dialog.busy and dialog.sign_in_button.isEnabled()
    assert dialog.user is None and "incorrect" in dialog.form.error_text("password")
    assert dialog.password.text() == "faux" and dialog.chosen_username() == "expert1"
    dialog.password.setText("demo")
    dialog.submit()
    settle(qtbot, dialog)
    assert dialog.user == EXPERT
    assert dialog.result() == SignInDialog.DialogCode.Accepted


def test_the_local_accounts_are_listed_from_a_worker_thread(qtbot, tmp_path: Path) -> None:
    workspace = create_workspace(tmp_path / "w.sqlite")
    try:
        dialog = SignInDialog(workspace, "expert1")
        qtbot.addWidget(dialog)
        settle(qtbot, dialog)  # the guard fails this test if the list was read here
        names = [dialog.username.itemData(i) for i in range(dialog.username.count())]
        assert names == [m.username for m in active_staff(workspace.sessions)]
        assert dialog.chosen_username() == "expert1"
    finally:
        workspace.close()


def test_the_sign_in_dialog_opens_where_it_was_left(qtbot) -> None:
    remembered = Remembered()
    first = SignInDialog(None, "expert1", authenticate=server_down, accounts=[],
                         remembered=remembered)  # fmt: skip
    qtbot.addWidget(first)
    first.show()
    first.setGeometry(QRect(140, 120, 610, 330))
    qtbot.waitUntil(lambda: first.width() == 610)
    first.reject()
    again = SignInDialog(None, "expert1", authenticate=server_down, accounts=[],
                         remembered=remembered)  # fmt: skip
    qtbot.addWidget(again)
    assert again.size() == first.size()
    assert again.width() == 610


def test_a_damaged_workspace_with_a_server_becomes_an_empty_one(
    monkeypatch, tmp_path: Path, qapp
) -> None:
    path = tmp_path / f"{uuid.uuid4()}.sqlite"
    path.write_bytes(b"garbage" * 1000)
    told: list[tuple[bool, int | None]] = []

    def choose(_error, _parent, from_server: bool, unsent: int | None, *_demo) -> Choice:
        told.append((from_server, unsent))
        return Choice.CREATE_NEW

    monkeypatch.setattr(workspace_dialog, "ask_what_to_do", choose)
    workspace = open_or_recover(path, from_server=True)
    assert workspace is not None
    # Empty, for the server to fill: no local demo users to clash with the server's.
    assert active_staff(workspace.sessions) == []
    workspace.close()
    assert told == [(True, None)]  # unreadable: it may hold unsent changes
    assert len(list(tmp_path.glob("*.endommage-*"))) == 1


def test_unsent_changes_of_a_damaged_file_are_counted_when_readable(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    create_workspace(path, reference_data=False).close()
    assert unsent_changes(path) == 0
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO sync_outbox (op_id, table_name, row_id, kind, hlc, fields, "
            "base_clocks, created_at) VALUES (?, 'leads', ?, 'update', 'x', '{}', '{}', "
            "'2026-03-02 09:00:00')",
            (uuid.uuid4().hex, uuid.uuid4().hex),
        )
    assert unsent_changes(path) == 1
    text = workspace_dialog._what_becomes_of_it(True, 1)
    assert "1 modification(s) pas encore envoyée(s)" in text and "conservé" in text
    assert "peut contenir" in workspace_dialog._what_becomes_of_it(True, None)


def test_qt_dialogs_speak_french(qapp) -> None:
    install_translations(qapp)
    box = QMessageBox()
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    assert sorted(b.text() for b in box.buttons()) == ["&Oui", "Annuler"]
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open)
    assert buttons.buttons()[0].text() == "Ouvrir"
    dialog = QFileDialog()
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert "&Voir dans\u00a0:" in labels and "Fichiers de &type\u00a0:" in labels
    assert not {"&Look in:", "Files of &type:"} & labels
