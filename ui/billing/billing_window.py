"""The back office's invoicing and collection window: invoices, direct debits, dunning, and the
accounting export. Managers open it from Pilotage › Factures et encaissements."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.billing.journal import HEADER, journal_csv, journal_rows
from app.billing.monthly_bill import month_label
from app.clock import Clock, paris_today
from app.domain.money import format_euros
from app.services.billing.collection_queries import CollectionQueries
from ui.billing.debit_tab import DebitRun, DebitTab
from ui.billing.dunning_tab import DunningTab
from ui.billing.invoice_list_tab import CreditNote, InvoiceListTab, recent_months
from ui.billing.invoice_run_dialog import InvoiceRun
from ui.core.context import AppContext
from ui.core.dialog_parts import save_file


@dataclass(frozen=True)
class BillingCalls:
    """The server's invoicing commands (None: this workstation is not linked to a server)."""

    invoice_run: InvoiceRun | None = None
    debit_run: DebitRun | None = None
    credit_note: CreditNote | None = None


class AccountingExportTab(QWidget):
    def __init__(
        self, queries: CollectionQueries, clock: Clock, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.queries = queries
        self.month = QComboBox()
        today = paris_today(clock())
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
        self.entries = QTreeWidget()
        self.entries.setRootIsDecorated(False)
        self.entries.setHeaderLabels(list(HEADER))
        for column, width in enumerate((85, 60, 70, 110, 120, 420, 90)):
            self.entries.setColumnWidth(column, width)
        layout.addWidget(self.summary)
        layout.addWidget(self.entries)
        self.month.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        lines = self.queries.journal(self.month.currentData())
        self.entries.clear()
        for line in journal_rows(lines):
            item = QTreeWidgetItem(self.entries, list(line))
            for column in (6, 7):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
        debit = sum(line.debit_cents for line in lines)
        credit = sum(line.credit_cents for line in lines)
        self.summary.setText(
            f"{len(lines)} ligne(s) d'écriture · total débit {format_euros(debit, with_cents=True)}"
            f" · total crédit {format_euros(credit, with_cents=True)}"
            + (" · équilibré" if debit == credit else " · DÉSÉQUILIBRÉ")
        )

    def export(self, path: Path | None = None) -> Path | None:
        month = self.month.currentData()
        return save_file(
            self,
            "Exporter le journal",
            f"journal-{month:%Y-%m}.csv",
            "CSV (*.csv)",
            # UTF-8 with a BOM: what spreadsheet and accounting software read accents from.
            lambda: journal_csv(self.queries.journal(month)).encode("utf-8-sig"),
            path,
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
        clock, settings = context.clock, context.settings
        queries = context.collection_queries
        service = context.collection
        self.invoices = InvoiceListTab(
            queries, service, clock, settings.letterhead, calls.credit_note
        )
        self.debits = DebitTab(
            queries, service, clock, settings.letterhead, calls.debit_run, settings.dunning
        )
        self.dunning = DunningTab(queries, service, clock, settings.dunning, settings.letterhead)
        self.export = AccountingExportTab(queries, clock)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.invoices, "Factures")
        self.tabs.addTab(self.debits, "Prélèvements")
        self.tabs.addTab(self.dunning, "Relances")
        self.tabs.addTab(self.export, "Export comptable")
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        close = QPushButton("Fermer")
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addLayout(bottom)

    def refresh(self) -> None:
        """The tab in view, again from the local rows (after a sync, or when it is shown):
        at the scale of years of invoices, each tab's reading is worth doing only when seen."""
        self.tabs.currentWidget().refresh()  # type: ignore[attr-defined]
