"""The invoice list: filters, open amounts, the PDF in the app, payments, statements, credit
notes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.billing.monthly_bill import month_label
from app.clock import Clock, paris_today
from app.domain.money import format_euros
from app.reports.pdf_parts import Letterhead
from app.services.billing.collection import CollectionService
from app.services.billing.collection_queries import (
    INVOICE_STATE_LABELS,
    CollectionQueries,
    InvoiceFilter,
    InvoiceListRow,
    InvoiceState,
)
from app.services.billing.invoice_queries import facturx_invoice
from ui.billing.collection_dialogs import CreditNoteDialog, PaymentDialog, StatementDialog
from ui.core.dialog_parts import save_file
from ui.core.pdf_viewer import PdfViewer

ROW_ROLE = Qt.ItemDataRole.UserRole
LATE = Qt.GlobalColor.darkRed
CreditNote = Callable[[str, str, int | None], Awaitable[dict[str, Any]]]


def recent_months(today: date, count: int) -> list[date]:
    months = []
    month = today.replace(day=1)
    for _ in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    return months


class InvoiceListTab(QWidget):
    def __init__(
        self,
        queries: CollectionQueries,
        service: CollectionService,
        clock: Clock,
        letterhead: Letterhead,
        credit_note: CreditNote | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.queries = queries
        self.service = service
        self.clock = clock
        self.letterhead = letterhead
        self.credit_note_call = credit_note
        self.state = QComboBox()
        for state in InvoiceState:
            self.state.addItem(INVOICE_STATE_LABELS[state], state)
        self.period = QComboBox()
        self.period.addItem("Tous les mois", None)
        for month in recent_months(paris_today(clock()), 24):
            self.period.addItem(month_label(month).capitalize(), month)
        self.search = QLineEdit()
        self.search.setPlaceholderText("N° de facture ou prestataire")
        self.search.setClearButtonEnabled(True)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("État :"))
        filters.addWidget(self.state)
        filters.addWidget(QLabel("Mois facturé :"))
        filters.addWidget(self.period)
        filters.addWidget(self.search, 1)
        self.table = QTreeWidget()
        self.table.setObjectName("invoice-list")
        self.table.setRootIsDecorated(False)
        self.table.setSortingEnabled(False)
        self.table.setHeaderLabels(
            ["N°", "Prestataire", "Mois", "Émise le", "Échéance", "TTC", "Reste dû", "État"]
        )
        for column, width in enumerate((120, 240, 110, 85, 85, 100, 100)):
            self.table.setColumnWidth(column, width)
        self.table.itemActivated.connect(lambda _item: self.open_pdf())
        self.table.currentItemChanged.connect(lambda *_a: self._enable())
        self.summary = QLabel()
        self.open_button = QPushButton("Ouvrir la facture")
        self.open_button.clicked.connect(lambda: self.open_pdf())
        self.facturx_button = QPushButton("Factur-X…")
        self.facturx_button.setToolTip("Enregistrer le PDF Factur-X (XML CII EN 16931 inclus)")
        self.facturx_button.clicked.connect(lambda: self.save_facturx())
        self.payment_button = QPushButton("Règlement…")
        self.payment_button.clicked.connect(lambda: self.record_payment())
        self.statement_button = QPushButton("Relevé du prestataire…")
        self.statement_button.clicked.connect(lambda: self.show_statement())
        self.credit_button = QPushButton("Annuler par un avoir…")
        self.credit_button.clicked.connect(lambda: self.ask_credit_note())
        if credit_note is None:
            self.credit_button.setToolTip(
                "Le serveur émet l'avoir, à la demande d'un manager (Pilotage)."
            )
        actions = QHBoxLayout()
        for button in (
            self.open_button,
            self.facturx_button,
            self.payment_button,
            self.statement_button,
            self.credit_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table)
        layout.addWidget(self.summary)
        layout.addLayout(actions)
        self.state.currentIndexChanged.connect(lambda _i: self.refresh())
        self.period.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search.textChanged.connect(lambda _t: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        today = paris_today(self.clock())
        wanted = InvoiceFilter(
            state=self.state.currentData(),
            period=self.period.currentData(),
            text=self.search.text(),
        )
        rows = self.queries.invoices(wanted, today)
        self.table.clear()
        for row in rows:
            item = QTreeWidgetItem(
                self.table,
                [
                    row.number,
                    row.buyer_name,
                    month_label(row.period_start),
                    f"{row.issue_date:%d/%m/%Y}",
                    f"{row.due_date:%d/%m/%Y}" if not row.is_credit_note else "",
                    format_euros(row.gross_cents, with_cents=True),
                    format_euros(row.open_cents, with_cents=True) if not row.is_credit_note else "",
                    row.state(today),
                ],
            )
            item.setData(0, ROW_ROLE, row)
            for column in (5, 6):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
            if not row.is_credit_note and row.open_cents > 0 and row.due_date < today:
                item.setForeground(7, LATE)
        invoiced = sum(r.gross_cents for r in rows)
        open_cents = sum(r.open_cents for r in rows)
        self.summary.setText(
            f"{len(rows)} document(s) · total TTC {format_euros(invoiced, with_cents=True)} · "
            f"reste dû {format_euros(open_cents, with_cents=True)}"
        )
        self._enable()

    def selected(self) -> InvoiceListRow | None:
        item = self.table.currentItem()
        return item.data(0, ROW_ROLE) if item is not None else None

    def select_number(self, number: str) -> None:
        for index in range(self.table.topLevelItemCount()):
            if self.table.topLevelItem(index).text(0) == number:
                self.table.setCurrentItem(self.table.topLevelItem(index))

    def _enable(self) -> None:
        row = self.selected()
        for button in (self.open_button, self.facturx_button, self.statement_button):
            button.setEnabled(row is not None)
        payable = row is not None and not row.is_credit_note and row.open_cents > 0
        self.payment_button.setEnabled(payable)
        self.credit_button.setEnabled(
            self.credit_note_call is not None and row is not None and not row.is_credit_note
        )

    def _pdf(self, row: InvoiceListRow) -> bytes:
        return facturx_invoice(self.queries.sessions, row.invoice_id, self.letterhead)

    def open_pdf(self) -> PdfViewer | None:
        row = self.selected()
        if row is None:
            return None
        kind = "Avoir" if row.is_credit_note else "Facture"
        viewer = PdfViewer(
            f"{kind} {row.number}",
            self._pdf(row),
            f"{row.number}.pdf",
            self,
            save_label="Enregistrer le PDF (Factur-X)…",
        )
        viewer.show()
        return viewer

    def save_facturx(self, path: Path | None = None) -> Path | None:
        row = self.selected()
        if row is None:
            return None
        return save_file(
            self,
            "Enregistrer le Factur-X",
            f"{row.number}.pdf",
            "PDF (*.pdf)",
            lambda: self._pdf(row),
            path,
        )

    def record_payment(self) -> PaymentDialog | None:
        row = self.selected()
        if row is None or row.is_credit_note:
            return None
        dialog = PaymentDialog(
            f"Facture {row.number} — {row.buyer_name}",
            row.open_cents,
            paris_today(self.clock()),
            self.service,
            row.provider_id,
            row.invoice_id,
            self,
        )
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog

    def show_statement(self) -> StatementDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = StatementDialog(row.buyer_name, self.queries.statement(row.provider_id), self)
        dialog.show()
        return dialog

    def ask_credit_note(self) -> CreditNoteDialog | None:
        row = self.selected()
        if row is None or row.is_credit_note or self.credit_note_call is None:
            return None
        dialog = CreditNoteDialog(row.number, row.net_cents, self)
        dialog.accepted.connect(
            lambda: asyncio.ensure_future(self.make_credit_note(row, *dialog.result_value))
        )
        dialog.open()
        return dialog

    async def make_credit_note(
        self, row: InvoiceListRow, reason: str, net_cents: int | None = None
    ) -> None:
        assert self.credit_note_call is not None
        try:
            answer = await self.credit_note_call(str(row.invoice_id), reason, net_cents)
        except Exception as exc:  # refused or unreachable: said, nothing changed
            QMessageBox.warning(self, "Avoir", f"Le serveur n'a pas émis l'avoir : {exc}")
            return
        QMessageBox.information(
            self,
            "Avoir",
            f"Avoir {answer['number']} émis. Il apparaîtra ici à la prochaine synchronisation.",
        )
