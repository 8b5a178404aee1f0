"""The status-bar sync indicator: synced / changes waiting / offline since / error."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from sync.engine import SyncState, SyncStatus
from ui.core.formatting import clock_time

_COLOURS = {
    SyncState.SYNCED: "#1b6e20",
    SyncState.OFFLINE: "#8a5a00",
    SyncState.ERROR: "#b00020",
    SyncState.OUTDATED: "#b00020",
    SyncState.SIGNED_OUT: "#b00020",
}


def describe(status: SyncStatus) -> str:
    waiting = f" · {status.waiting} modification(s) en attente d'envoi" if status.waiting else ""
    refused = f" · {status.refused} refusée(s) par le serveur" if status.refused else ""
    if status.state == SyncState.SYNCED:
        at = clock_time(status.last_synced_at) if status.last_synced_at else ""
        return f"✓ Synchronisé à {at}{waiting}{refused}"
    if status.state == SyncState.SYNCING:
        return "Synchronisation…"
    if status.state == SyncState.OFFLINE:
        since = clock_time(status.offline_since) if status.offline_since else ""
        return f"Hors ligne depuis {since}{waiting} (travail possible, envoi au retour)"
    if status.state == SyncState.ERROR:
        return f"Erreur de synchronisation{waiting} : {status.message}"
    if status.state == SyncState.OUTDATED:
        return f"Mise à jour requise : {status.message}"
    if status.state == SyncState.SIGNED_OUT:
        return f"Synchronisation arrêtée : {status.message}"
    return "Synchronisation en attente"


class SyncIndicator(QWidget):
    def __init__(
        self,
        on_sync_now: Callable[[], None],
        on_conflicts: Callable[[], None] = lambda: None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("Synchronisation en attente")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setFormat("Téléchargement %p %")
        self.progress.hide()
        self.button = QPushButton("Synchroniser [F9]")
        self.button.setToolTip("Envoyer et recevoir les modifications maintenant")
        self.button.clicked.connect(on_sync_now)
        self.conflicts = QPushButton()
        self.conflicts.setStyleSheet("color: #b00020;")
        self.conflicts.clicked.connect(on_conflicts)
        self.conflicts.hide()
        layout.addWidget(self.label)
        layout.addWidget(self.progress)
        layout.addWidget(self.conflicts)
        layout.addWidget(self.button)

    def show_status(self, status: SyncStatus) -> None:
        self.label.setText(describe(status))
        self.label.setToolTip(status.message)
        colour = _COLOURS.get(status.state, "")
        self.label.setStyleSheet(f"color: {colour};" if colour else "")
        self.conflicts.setText(f"Conflits à trancher : {status.conflicts}")
        self.conflicts.setVisible(status.conflicts > 0)
        if status.progress and status.state == SyncState.SYNCING:
            done, total = status.progress
            self.progress.setMaximum(max(total, 1))
            self.progress.setValue(min(done, total))
            self.progress.show()
        else:
            self.progress.hide()
