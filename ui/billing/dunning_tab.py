"""Dunning: the aged balance per provider, and the overdue invoices with their reminders, the
penalties and indemnity they owe, and the day their contracts get suspended."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.billing.dunning import LEVEL_LABELS, DunningPolicy
from app.billing.ledger import AGE_BUCKETS
from app.clock import Clock, paris_today
from app.domain.errors import ActionRefused
from app.domain.money import format_euros
from app.reports.pdf_parts import Letterhead
from app.reports.reminder_pdf import write_reminder_pdf
from app.services.billing.collection import CollectionService
from app.services.billing.collection_queries import CollectionQueries, DunningRow
from ui.core.pdf_viewer import PdfViewer

ROW_ROLE = Qt.ItemDataRole.UserRole
LATE = Qt.GlobalColor.darkRed


def _euros(cents: int) -> str:
    return format_euros(cents, with_cents=True) if cents else ""


class DunningTab(QWidget):
    def __init__(
        self,
        queries: CollectionQueries,
        service: CollectionService,
        clock: Clock,
        policy: DunningPolicy,
        letterhead: Letterhead,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.letterhead = letterhead
        self.queries = queries
        self.service = service
        self.clock = clock
        self.policy = policy
        self.aged = QTreeWidget()
        self.aged.setObjectName("aged-balance")
        self.aged.setRootIsDecorated(False)
        self.aged.setHeaderLabels(["Prestataire", *AGE_BUCKETS, "Total"])
        self.aged.setColumnWidth(0, 240)
        for column in range(1, len(AGE_BUCKETS) + 2):
            self.aged.setColumnWidth(column, 125)
        self.aged.header().setStretchLastSection(False)
        self.aged.setMaximumHeight(200)
        self.overdue = QTreeWidget()
        self.overdue.setObjectName("dunning")
        self.overdue.setRootIsDecorated(False)
        self.overdue.setHeaderLabels(
            [
                "Facture",
                "Prestataire",
                "Échéance",
                "Retard",
                "Reste dû",
                "Pénalités",
                "Indemnité",
                "Relances envoyées",
                "Prochaine relance",
                "Suspension le",
            ]
        )
        for column, width in enumerate((135, 190, 80, 55, 90, 75, 70, 150, 215)):
            self.overdue.setColumnWidth(column, width)
        self.overdue.currentItemChanged.connect(lambda *_a: self._enable())
        self.remind_button = QPushButton("Relancer")
        self.remind_button.clicked.connect(lambda: self.record_reminder())
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.remind_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Balance âgée (TTC restant dû, par retard depuis l'échéance)"))
        layout.addWidget(self.aged)
        layout.addWidget(QLabel("Factures échues non réglées"))
        layout.addWidget(self.overdue)
        layout.addWidget(self.summary)
        layout.addLayout(actions)
        self.refresh()

    def refresh(self) -> None:
        today = paris_today(self.clock())
        self.aged.clear()
        totals = [0] * (len(AGE_BUCKETS) + 1)
        for row in self.queries.aged_balance(today):
            values = [*row.columns, row.total_cents]
            totals = [a + b for a, b in zip(totals, values, strict=True)]
            item = QTreeWidgetItem(self.aged, [row.company_name, *map(_euros, values)])
            for column in range(1, len(values) + 1):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
        if self.aged.topLevelItemCount():
            item = QTreeWidgetItem(self.aged, ["Total", *map(_euros, totals)])
            font = item.font(0)
            font.setBold(True)
            for column in range(len(totals) + 1):
                item.setFont(column, font)
                if column:
                    item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
        self.overdue.clear()
        rows = self.queries.dunning(today, self.policy)
        for row in rows:
            self._add(row, today)
        due_now = sum(1 for r in rows if r.status.reminder_due(today))
        claimed = sum(r.status.claimed_cents for r in rows)
        self.summary.setText(
            f"{len(rows)} facture(s) en retard · {due_now} relance(s) à envoyer aujourd'hui · "
            f"pénalités et indemnités exigibles : {format_euros(claimed, with_cents=True)}. "
            f"Sans règlement {self.policy.suspend_after_days} jours après l'échéance, le "
            "serveur suspend les contrats du prestataire (et les reprend une fois payé)."
        )
        self._enable()

    def _add(self, row: DunningRow, today: date) -> None:
        item_ = row.receivable
        status = row.status
        sent = ", ".join(LEVEL_LABELS[level] for level in row.levels_sent) or "aucune"
        if status.next_level is None:
            upcoming = "toutes envoyées"
        else:
            upcoming = f"{LEVEL_LABELS[status.next_level]} — {status.next_on:%d/%m/%Y}"
        late = "suspendue" if status.suspends_on <= today else f"{status.suspends_on:%d/%m/%Y}"
        item = QTreeWidgetItem(
            self.overdue,
            [
                item_.number + (" (rejet)" if row.rejected else ""),
                item_.buyer_name,
                f"{item_.due_date:%d/%m/%Y}",
                f"{status.days_late} j",
                format_euros(item_.open_cents, with_cents=True),
                _euros(status.penalty_cents),
                _euros(status.indemnity_cents),
                sent,
                upcoming,
                late,
            ],
        )
        item.setData(0, ROW_ROLE, row)
        if status.reminder_due(today):
            item.setForeground(8, LATE)
        if status.suspends_on <= today:
            item.setForeground(9, LATE)

    def selected(self) -> DunningRow | None:
        item = self.overdue.currentItem()
        return item.data(0, ROW_ROLE) if item is not None else None

    def _enable(self) -> None:
        row = self.selected()
        self.remind_button.setEnabled(row is not None and row.status.next_level is not None)
        if row is not None and row.status.next_level is not None:
            self.remind_button.setText(
                f"Relancer : {LEVEL_LABELS[row.status.next_level].lower()} (lettre PDF)"
            )

    def record_reminder(self) -> PdfViewer | None:
        """Record the next reminder as sent today and show its letter, to print or send."""
        row = self.selected()
        if row is None:
            return None
        try:
            level, reminder_id = self.service.record_reminder(row.receivable.invoice_id)
        except ActionRefused as refused:
            QMessageBox.warning(self, "Relance", refused.message)
            return None
        self.refresh()
        letter = self.queries.reminder_letter(reminder_id, self.policy)
        with tempfile.TemporaryDirectory() as folder:
            pdf = write_reminder_pdf(letter, self.letterhead, Path(folder) / "r.pdf").read_bytes()
        number = row.receivable.number
        viewer = PdfViewer(
            f"{LEVEL_LABELS[level]} — facture {number}",
            pdf,
            f"relance-{level}-{number}.pdf",
            self,
        )
        viewer.show()
        return viewer
