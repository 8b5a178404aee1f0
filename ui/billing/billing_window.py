"""The back office's invoicing and collection window: invoices, direct debits, dunning, and the
accounting export. Managers open it from Pilotage › Factures et encaissements.

Each tab reads on worker threads and watches the tables it shows: a change announced (a
write here, rows a sync brought) reads the tab again, at once if it is in view, else when it
is shown. No other window needs to refresh this one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.billing.journal import HEADER, EntryLine, journal_csv, journal_rows
from app.billing.monthly_bill import month_label
from app.clock import paris_today
from app.domain.money import format_euros
from ui.billing.debit_tab import DebitRun, DebitTab
from ui.billing.dunning_tab import DunningTab
from ui.billing.invoice_list_tab import CreditNote, InvoiceListTab, recent_months
from ui.billing.invoice_run_dialog import InvoiceRun
from ui.billing.rows_model import Column, RowsModel, rows_view
from ui.billing.seen import RefreshWhenSeen
from ui.core.context import AppContext
from ui.core.dialog_parts import save_in_background
from ui.core.operations import Operation
from ui.core.remembered import keep_window

JOURNAL_TABLES = ("invoices", "payments", "providers")
JOURNAL_WIDTHS = (85, 60, 70, 110, 120, 420, 90)


@dataclass(frozen=True)
class BillingCalls:
    """The server's invoicing commands (None: this workstation is not linked to a server)."""

    invoice_run: InvoiceRun | None = None
    debit_run: DebitRun | None = None
    credit_note: CreditNote | None = None


def _journal_column(number: int) -> Column[tuple[str, ...]]:
    return Column(
        HEADER[number],
        lambda line: line[number],
        right=number in (6, 7),
        width=JOURNAL_WIDTHS[number] if number < len(JOURNAL_WIDTHS) else None,
    )


JOURNAL_COLUMNS = tuple(_journal_column(number) for number in range(len(HEADER)))


class AccountingExportTab(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.queries = context.collection_queries
        self.month = QComboBox()
        today = paris_today(context.clock())
        for month in [today.replace(day=1), *recent_months(today, 24)]:
            self.month.addItem(month_label(month).capitalize(), month)
        self.month.setCurrentIndex(1)
        self.export_button = QPushButton("Exporter le journal (CSV)…")
        self.export_button.clicked.connect(lambda: self.export())
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Mois :"))
        top.addWidget(self.month)
        top.addWidget(self.export_button)
        top.addStretch(1)
        explain = QLabel(
            "Écritures du mois au format des logiciels comptables (point-virgule, virgule "
            "décimale) : journal des ventes VE (factures et avoirs émis : 411000 client, 706000 "
            "prestations, 445710 TVA collectée) et journal de banque BQ (règlements, "
            "prélèvements et rejets : 512000 banque, 411000 client). Le compte auxiliaire du "
            "client est C suivi de son SIREN."
        )
        explain.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(explain)
        self.model: RowsModel[tuple[str, ...]] = RowsModel(JOURNAL_COLUMNS, parent=self)
        # In the journal's order (dates, then the entries' lines): not sortable.
        self.entries = rows_view(self.model, "journal", sortable=False)
        context.remembered.keep_header(self.entries.header(), "billing/journal")
        layout.addWidget(self.summary)
        layout.addWidget(self.entries)
        self.month.currentIndexChanged.connect(lambda _i: self.refresh())
        self.seen = RefreshWhenSeen(self, context.changes, JOURNAL_TABLES, self.refresh)
        self.refresh()

    def refresh(self) -> Operation[list[EntryLine]]:
        queries, month = self.queries, self.month.currentData()

        def show(lines: list[EntryLine]) -> None:
            if month != self.month.currentData():
                return  # another month was chosen meanwhile: its reading follows
            self.model.reset([tuple(line) for line in journal_rows(lines)])
            debit = sum(line.debit_cents for line in lines)
            credit = sum(line.credit_cents for line in lines)
            self.summary.setText(
                f"{len(lines)} ligne(s) d'écriture · total débit "
                f"{format_euros(debit, with_cents=True)}"
                f" · total crédit {format_euros(credit, with_cents=True)}"
                + (" · équilibré" if debit == credit else " · DÉSÉQUILIBRÉ")
            )

        return self.context.operations.run(
            lambda: queries.journal(month), show, owner=self, label="journal"
        )

    def export(self, path: Path | None = None) -> Operation[Path] | None:
        month: date = self.month.currentData()
        queries = self.queries
        return save_in_background(
            self.context,
            self,
            "Exporter le journal",
            f"journal-{month:%Y-%m}.csv",
            "CSV (*.csv)",
            # UTF-8 with a BOM: what spreadsheet and accounting software read accents from.
            lambda: journal_csv(queries.journal(month)).encode("utf-8-sig"),
            folder_key="billing/journal",
            path=path,
        )


class BillingWindow(QDialog):
    def __init__(
        self,
        context: AppContext,
        calls: BillingCalls,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Factures et encaissements")
        self.resize(1280, 760)
        keep_window(context.remembered, self, "billing/window")
        self.invoices = InvoiceListTab(context, calls.credit_note)
        self.debits = DebitTab(context, calls.debit_run)
        self.dunning = DunningTab(context)
        self.export = AccountingExportTab(context)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.invoices, "Factures")
        self.tabs.addTab(self.debits, "Prélèvements")
        self.tabs.addTab(self.dunning, "Relances")
        self.tabs.addTab(self.export, "Export comptable")
        self.tabs.currentChanged.connect(lambda _i: self._current_seen())
        close = QPushButton("Fermer")
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addLayout(bottom)

    def _current_seen(self) -> None:
        """The tab brought into view reads again if a change came while it was hidden."""
        seen: Any = getattr(self.tabs.currentWidget(), "seen", None)
        if isinstance(seen, RefreshWhenSeen):
            seen.catch_up()

    def refresh(self) -> None:
        """The tab in view, again from the local rows, in the background. Kept for callers:
        the tabs read again by themselves when a change is announced."""
        self.tabs.currentWidget().refresh()  # type: ignore[attr-defined]
