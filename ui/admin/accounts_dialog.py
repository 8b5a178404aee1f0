"""The managers' « Comptes » screen: staff accounts (disable, re-enable) and the accounts or
addresses locked after failed sign-ins (unlock).

The server decides (who may disable whom, the locks); this screen asks it and shows its
answer or its reason. The staff list is the workspace's synced copy of the users: read on a
worker thread, and read again when a sync brings users (a change decided here reaches this
workstation that way).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import ROLE_LABELS, Role
from app.services.staff import StaffRow
from ui.core.formatting import OFFICE_TZ
from ui.core.operations import Operations
from ui.core.remembered import Remembered

USERS = "users"  # the table the staff list shows


@dataclass(frozen=True)
class AccountCalls:
    """The server's account commands."""

    locks: Callable[[], Awaitable[dict[str, Any]]]
    unlock: Callable[[str, str], Awaitable[Any]]
    set_active: Callable[[str, bool], Awaitable[Any]]


def _when(text: str | None) -> str:
    """An instant in the office's time zone, to the second (a lock's end must not read early)."""
    if not text:
        return ""
    return datetime.fromisoformat(text).astimezone(OFFICE_TZ).strftime("%d/%m/%Y %H:%M:%S")


class AccountsDialog(QDialog):
    def __init__(
        self,
        staff: Callable[[], list[StaffRow]],
        calls: AccountCalls | None,
        parent: QWidget | None = None,
        *,
        operations: Operations | None = None,
        remembered: Remembered | None = None,
    ) -> None:
        """`staff` reads the accounts (a database read: run on a worker thread of
        `operations`). Without `operations`/`remembered`, those of the parent window's
        AppContext (`parent.context`)."""
        super().__init__(parent)
        context = getattr(parent, "context", None)
        chosen = operations or getattr(context, "operations", None)
        assert chosen is not None, "AccountsDialog needs operations (or a parent with a context)"
        self.operations: Operations = chosen
        self.remembered = remembered or getattr(context, "remembered", None) or Remembered()
        self.staff, self.calls = staff, calls
        self.setWindowTitle("Comptes")
        self.resize(900, 600)
        self.accounts = QTreeWidget()
        self.accounts.setObjectName("accounts")
        self.accounts.setRootIsDecorated(False)
        self.accounts.setHeaderLabels(["Identifiant", "Nom", "Rôle", "État"])
        self.locks = QTreeWidget()
        self.locks.setObjectName("locks")
        self.locks.setRootIsDecorated(False)
        self.locks.setHeaderLabels(["Compte ou adresse", "Échecs", "Dernier essai", "Verrouillé"])
        for tree in (self.accounts, self.locks):
            tree.setColumnWidth(0, 260)
        self.remembered.keep_header(self.accounts.header(), "admin/accounts")
        self.remembered.keep_header(self.locks.header(), "admin/locks")
        self.disable_button = QPushButton("Désactiver")
        self.enable_button = QPushButton("Réactiver")
        self.unlock_button = QPushButton("Déverrouiller")
        refresh = QPushButton("Actualiser")
        self.disable_button.clicked.connect(lambda: self._start(self.change(active=False)))
        self.enable_button.clicked.connect(lambda: self._start(self.change(active=True)))
        self.unlock_button.clicked.connect(lambda: self._start(self.lift()))
        refresh.clicked.connect(self.refresh)
        if calls is None:
            for button in (self.disable_button, self.enable_button, self.unlock_button):
                button.setEnabled(False)
                button.setToolTip("Poste non relié au serveur : les comptes sont gérés par lui.")
        self.status = QLabel()
        self.status.setWordWrap(True)
        account_buttons = QHBoxLayout()
        account_buttons.addWidget(self.disable_button)
        account_buttons.addWidget(self.enable_button)
        account_buttons.addStretch(1)
        lock_buttons = QHBoxLayout()
        lock_buttons.addWidget(self.unlock_button)
        lock_buttons.addStretch(1)
        close = QPushButton("Fermer")
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(refresh)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Comptes du personnel"))
        layout.addWidget(self.accounts, 3)
        layout.addLayout(account_buttons)
        layout.addWidget(QLabel("Échecs de connexion récents"))
        layout.addWidget(self.locks, 2)
        layout.addLayout(lock_buttons)
        layout.addLayout(bottom)
        self.operations.changes.watch(self, {USERS}, lambda _changes: self.show_staff())
        self.show_staff()

    def _start(self, work: Awaitable[None]) -> asyncio.Future[None]:
        return asyncio.ensure_future(work)

    def refresh(self) -> None:
        self.show_staff()
        if self.calls is not None:
            self._start(self.load_locks())

    def show_staff(self) -> None:
        self.operations.run(self.staff, self._fill_staff, owner=self)

    def _fill_staff(self, rows: list[StaffRow]) -> None:
        chosen = self.accounts.currentItem()
        chosen_id = chosen.data(0, Qt.ItemDataRole.UserRole) if chosen else None
        self.accounts.clear()
        for row in rows:
            item = QTreeWidgetItem(
                self.accounts,
                [
                    row.username,
                    row.display_name,
                    ROLE_LABELS.get(Role(row.role), row.role),
                    "actif" if row.active else "désactivé",
                ],
            )
            item.setData(0, Qt.ItemDataRole.UserRole, row.id)
            if row.id == chosen_id:
                self.accounts.setCurrentItem(item)

    async def load_locks(self) -> None:
        assert self.calls is not None
        try:
            answer = await self.calls.locks()
        except Exception as exc:  # refused or unreachable: said, nothing changed
            self.status.setText(f"Échecs de connexion indisponibles : {exc}")
            return
        self.locks.clear()
        for entry in answer["locks"]:
            subject = entry["subject"]
            label = subject if entry["kind"] == "account" else f"adresse {subject}"
            item = QTreeWidgetItem(
                self.locks,
                [
                    label,
                    str(entry["failures"]),
                    _when(entry["last_attempt_at"]),
                    f"jusqu'à {_when(entry['locked_until'])}" if entry["locked_until"] else "",
                ],
            )
            item.setData(0, Qt.ItemDataRole.UserRole, (entry["kind"], entry["subject"]))

    async def change(self, active: bool) -> None:
        item = self.accounts.currentItem()
        if self.calls is None or item is None:
            self.status.setText("Choisissez un compte.")
            return
        try:
            await self.calls.set_active(item.data(0, Qt.ItemDataRole.UserRole), active)
        except Exception as exc:  # the server's reason (not allowed, last admin...)
            self.status.setText(f"Refusé : {exc}")
            return
        self.status.setText(
            f"Compte {item.text(0)} {'réactivé' if active else 'désactivé'} : les postes le "
            "sauront à leur prochaine synchronisation."
        )
        item.setText(3, "actif" if active else "désactivé")

    async def lift(self) -> None:
        item = self.locks.currentItem()
        if self.calls is None or item is None:
            self.status.setText("Choisissez un compte ou une adresse verrouillé.")
            return
        kind, subject = item.data(0, Qt.ItemDataRole.UserRole)
        try:
            await self.calls.unlock(kind, subject)
        except Exception as exc:
            self.status.setText(f"Refusé : {exc}")
            return
        self.status.setText(f"{item.text(0)} déverrouillé.")
        self.locks.takeTopLevelItem(self.locks.indexOfTopLevelItem(item))
