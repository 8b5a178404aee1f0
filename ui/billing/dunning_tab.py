"""Dunning: the aged balance per provider, and the overdue invoices with their reminders, the
penalties and indemnity they owe, and the day their contracts get suspended. Read on worker
threads; a reminder is recorded and its letter built there too."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.billing.dunning import LEVEL_LABELS
from app.billing.ledger import AGE_BUCKETS
from app.clock import paris_today
from app.domain.money import format_euros
from app.reports.reminder_pdf import write_reminder_pdf
from app.services.billing.collection_queries import AgedRow, DunningRow
from ui.billing.rows_model import Column, RowsModel, current_row, rows_view
from ui.billing.seen import RefreshWhenSeen
from ui.core.changes import Changes
from ui.core.context import AppContext
from ui.core.operations import Operation
from ui.core.pdf_viewer import PdfViewer

TABLES = ("invoices", "payments", "payment_reminders")


def _euros(cents: int) -> str:
    return format_euros(cents, with_cents=True) if cents else ""


@dataclass(frozen=True)
class AgedLine:
    """A provider's line of the aged balance, or the total line (`total`)."""

    company_name: str
    values: tuple[int, ...]  # one per age bucket, then the total
    total: bool = False


def aged_lines(rows: list[AgedRow]) -> list[AgedLine]:
    """The providers' lines, then their total when there is one."""
    lines = [AgedLine(r.company_name, (*r.columns, r.total_cents)) for r in rows]
    if lines:
        totals = tuple(sum(values) for values in zip(*(line.values for line in lines), strict=True))
        lines.append(AgedLine("Total", totals, total=True))
    return lines


def _bucket(number: int) -> Column[AgedLine]:
    return Column(
        AGE_BUCKETS[number] if number < len(AGE_BUCKETS) else "Total",
        lambda line: _euros(line.values[number]),
        lambda line: (line.total, line.values[number]),
        right=True,
        width=125,
    )


AGED_COLUMNS: tuple[Column[AgedLine], ...] = (
    Column(
        "Prestataire",
        lambda line: line.company_name,
        lambda line: (line.total, line.company_name),
        width=240,
    ),
    *(_bucket(number) for number in range(len(AGE_BUCKETS) + 1)),
)


def overdue_columns(today: Callable[[], date]) -> tuple[Column[DunningRow], ...]:
    def upcoming(row: DunningRow) -> str:
        status = row.status
        if status.next_level is None:
            return "toutes envoyées"
        return f"{LEVEL_LABELS[status.next_level]} — {status.next_on:%d/%m/%Y}"

    def suspension(row: DunningRow) -> str:
        on = row.status.suspends_on
        return "suspendue" if on <= today() else f"{on:%d/%m/%Y}"

    return (
        Column(
            "Facture",
            lambda r: r.receivable.number + (" (rejet)" if r.rejected else ""),
            width=135,
        ),
        Column("Prestataire", lambda r: r.receivable.buyer_name, width=190),
        Column(
            "Échéance",
            lambda r: f"{r.receivable.due_date:%d/%m/%Y}",
            lambda r: r.receivable.due_date,
            width=80,
        ),
        Column(
            "Retard",
            lambda r: f"{r.status.days_late} j",
            lambda r: r.status.days_late,
            right=True,
            width=55,
        ),
        Column(
            "Reste dû",
            lambda r: format_euros(r.receivable.open_cents, with_cents=True),
            lambda r: r.receivable.open_cents,
            right=True,
            width=90,
        ),
        Column(
            "Pénalités",
            lambda r: _euros(r.status.penalty_cents),
            lambda r: r.status.penalty_cents,
            right=True,
            width=75,
        ),
        Column(
            "Indemnité",
            lambda r: _euros(r.status.indemnity_cents),
            lambda r: r.status.indemnity_cents,
            right=True,
            width=70,
        ),
        Column(
            "Relances envoyées",
            lambda r: ", ".join(LEVEL_LABELS[level] for level in r.levels_sent) or "aucune",
            width=150,
        ),
        Column(
            "Prochaine relance",
            upcoming,
            lambda r: r.status.next_on or date.max,
            late=lambda r: r.status.reminder_due(today()),
            width=215,
        ),
        Column(
            "Suspension le",
            suspension,
            lambda r: r.status.suspends_on,
            late=lambda r: r.status.suspends_on <= today(),
        ),
    )


@dataclass(frozen=True)
class Reading:
    aged: list[AgedRow]
    overdue: list[DunningRow]


class DunningTab(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.letterhead = context.settings.letterhead
        self.queries = context.collection_queries
        self.service = context.collection
        self.clock = context.clock
        self.policy = context.settings.dunning
        self.letter: PdfViewer | None = None
        remembered = context.remembered
        self.aged_model: RowsModel[AgedLine] = RowsModel(
            AGED_COLUMNS, bold=lambda line: line.total, parent=self
        )
        self.aged = rows_view(self.aged_model, "aged-balance")
        self.aged.header().setStretchLastSection(False)
        self.aged.setMaximumHeight(200)
        remembered.keep_header(self.aged.header(), "billing/dunning/aged")
        self.overdue_model: RowsModel[DunningRow] = RowsModel(
            overdue_columns(lambda: paris_today(self.clock())), parent=self
        )
        self.overdue = rows_view(self.overdue_model, "dunning")
        remembered.keep_header(self.overdue.header(), "billing/dunning/overdue")
        self.overdue.selectionModel().currentChanged.connect(lambda *_a: self._enable())
        self.overdue_model.modelReset.connect(self._enable)
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
        self.seen = RefreshWhenSeen(self, context.changes, TABLES, self.refresh)
        self._enable()
        self.refresh()

    def refresh(self) -> Operation[Reading]:
        """Read the aged balance and the overdue invoices on a worker thread."""
        today = paris_today(self.clock())
        queries, policy = self.queries, self.policy

        def read() -> Reading:
            return Reading(queries.aged_balance(today), queries.dunning(today, policy))

        return self.context.operations.run(
            read, lambda found: self._show(found, today), owner=self, label="relances"
        )

    def _show(self, found: Reading, today: date) -> None:
        chosen = self.selected()
        self.aged_model.reset(aged_lines(found.aged))
        rows = found.overdue
        self.overdue_model.reset(rows)
        if chosen is not None:
            number = self.overdue_model.find(
                lambda r: r.receivable.invoice_id == chosen.receivable.invoice_id
            )
            if number is not None:
                self.overdue.setCurrentIndex(self.overdue_model.index(number, 0))
        due_now = sum(1 for r in rows if r.status.reminder_due(today))
        claimed = sum(r.status.claimed_cents for r in rows)
        self.summary.setText(
            f"{len(rows)} facture(s) en retard · {due_now} relance(s) à envoyer aujourd'hui · "
            f"pénalités et indemnités exigibles : {format_euros(claimed, with_cents=True)}. "
            f"Sans règlement {self.policy.suspend_after_days} jours après l'échéance, le "
            "serveur suspend les contrats du prestataire (et les reprend une fois payé)."
        )
        self._enable()

    def selected(self) -> DunningRow | None:
        row = current_row(self.overdue)
        return row if isinstance(row, DunningRow) else None

    def _enable(self) -> None:
        row = self.selected()
        self.remind_button.setEnabled(row is not None and row.status.next_level is not None)
        if row is not None and row.status.next_level is not None:
            self.remind_button.setText(
                f"Relancer : {LEVEL_LABELS[row.status.next_level].lower()} (lettre PDF)"
            )

    def record_reminder(self) -> Operation[Any] | None:
        """Record the next reminder as sent today and build its letter, on a worker thread;
        then show the letter (`self.letter`), to print or send."""
        row = self.selected()
        if row is None:
            return None
        service, queries, policy, letterhead = (
            self.service,
            self.queries,
            self.policy,
            self.letterhead,
        )
        invoice_id = row.receivable.invoice_id
        number = row.receivable.number

        def record() -> tuple[int, Any, bytes]:
            level, reminder_id = service.record_reminder(invoice_id)
            letter = queries.reminder_letter(reminder_id, policy)
            with tempfile.TemporaryDirectory() as folder:
                path = write_reminder_pdf(letter, letterhead, Path(folder) / "r.pdf")
                return level, reminder_id, path.read_bytes()

        def show(done: tuple[int, Any, bytes]) -> None:
            level, _reminder_id, pdf = done
            self.letter = PdfViewer(
                f"{LEVEL_LABELS[level]} — facture {number}",
                pdf,
                f"relance-{level}-{number}.pdf",
                self,
            )
            self.letter.show()

        return self.context.operations.run(
            record,
            show,
            lambda message: QMessageBox.warning(self, "Relance", message),
            owner=self,
            changes=lambda done: Changes.of("payment_reminders", done[1]),
            label="relance",
        )
