"""The invoice list: filters, open amounts, the PDF in the app, payments, statements, credit
notes. Read on worker threads, a page at a time (years of invoices), the search once typing
pauses; the PDF and the Factur-X are built off the UI thread."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.billing.monthly_bill import month_label
from app.clock import paris_today
from app.domain.money import format_euros
from app.services.billing.collection_queries import (
    INVOICE_STATE_LABELS,
    InvoiceFilter,
    InvoiceListRow,
    InvoiceState,
    InvoiceTotals,
    StatementLine,
)
from app.services.billing.invoice_queries import facturx_invoice
from ui.billing.collection_dialogs import CreditNoteDialog, PaymentDialog, StatementDialog
from ui.billing.rows_model import (
    ROW_ROLE,
    Column,
    RowsModel,
    current_row,
    rows_view,
    select_row,
)
from ui.billing.seen import RefreshWhenSeen
from ui.core.context import AppContext
from ui.core.dialog_parts import save_in_background
from ui.core.item_views import on_row_activated
from ui.core.operations import Debouncer, Operation
from ui.core.pdf_viewer import PdfViewer

CreditNote = Callable[[str, str, int | None], Awaitable[dict[str, Any]]]
PAGE = 200  # invoices read at a time; the next page when the list is scrolled to its end
FOLDER = "billing/invoices"
TABLES = ("invoices", "payments")


def recent_months(today: date, count: int) -> list[date]:
    months = []
    month = today.replace(day=1)
    for _ in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    return months


def invoice_columns(today: Callable[[], date]) -> tuple[Column[InvoiceListRow], ...]:
    """The list's columns; `today` for the state and the late colour (the clock moves)."""

    def late(row: InvoiceListRow) -> bool:
        return not row.is_credit_note and row.open_cents > 0 and row.due_date < today()

    return (
        Column("N°", lambda r: r.number, width=120),
        Column("Prestataire", lambda r: r.buyer_name, lambda r: r.buyer_name.lower(), width=240),
        Column("Mois", lambda r: month_label(r.period_start), lambda r: r.period_start, width=110),
        Column("Émise le", lambda r: f"{r.issue_date:%d/%m/%Y}", lambda r: r.issue_date, width=85),
        Column(
            "Échéance",
            lambda r: f"{r.due_date:%d/%m/%Y}" if not r.is_credit_note else "",
            lambda r: r.due_date,
            width=85,
        ),
        Column(
            "TTC",
            lambda r: format_euros(r.gross_cents, with_cents=True),
            lambda r: r.gross_cents,
            right=True,
            width=100,
        ),
        Column(
            "Reste dû",
            lambda r: format_euros(r.open_cents, with_cents=True) if not r.is_credit_note else "",
            lambda r: r.open_cents,
            right=True,
            width=100,
        ),
        Column("État", lambda r: r.state(today()), late=late),
    )


class InvoiceListTab(QWidget):
    def __init__(
        self,
        context: AppContext,
        credit_note: CreditNote | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.queries = context.collection_queries
        self.clock = context.clock
        self.letterhead = context.settings.letterhead
        self.credit_note_call = credit_note
        self.viewer: PdfViewer | None = None
        self.statement: StatementDialog | None = None
        self._reading = 0  # the latest reading: an older one answering late is dropped
        self.state = QComboBox()
        for state in InvoiceState:
            self.state.addItem(INVOICE_STATE_LABELS[state], state)
        self.period = QComboBox()
        self.period.addItem("Tous les mois", None)
        for month in recent_months(paris_today(self.clock()), 24):
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
        self.model: RowsModel[InvoiceListRow] = RowsModel(
            invoice_columns(lambda: paris_today(self.clock())), page=PAGE, parent=self
        )
        self.table = rows_view(self.model, "invoice-list")
        context.remembered.keep_header(self.table.header(), "billing/invoices")
        on_row_activated(self.table, ROW_ROLE, lambda _row: self.open_pdf())
        self.table.selectionModel().currentChanged.connect(lambda *_a: self._enable())
        self.model.modelReset.connect(self._enable)
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
        self.typing = Debouncer(self.refresh, 250, self)
        self.state.currentIndexChanged.connect(lambda _i: self.refresh())
        self.period.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search.textChanged.connect(self.typing.poke)
        self.search.returnPressed.connect(self.typing.flush)
        self.seen = RefreshWhenSeen(self, context.changes, TABLES, self.refresh)
        self._enable()
        self.refresh()

    def wanted(self) -> InvoiceFilter:
        return InvoiceFilter(
            state=self.state.currentData(),
            period=self.period.currentData(),
            text=self.search.text(),
        )

    def refresh(self) -> Operation[Any]:
        """Read the first page, then the filter's totals, on worker threads: the page is shown
        as soon as it is read (a page costs a few index lookups per row; the totals go over
        every invoice the filter finds, see `CollectionQueries.invoice_totals`)."""
        self._reading += 1
        reading = self._reading
        wanted = self.wanted()
        today = paris_today(self.clock())
        queries = self.queries

        def show(rows: list[InvoiceListRow]) -> None:
            if reading != self._reading:
                return
            chosen = self.selected()
            self.model.reset(rows, self._next_page(wanted, today, rows, reading))
            if chosen is not None:
                self.select_number(chosen.number)

        def show_totals(totals: InvoiceTotals) -> None:
            if reading != self._reading:
                return
            self.summary.setText(
                f"{totals.count} document(s) · total TTC "
                f"{format_euros(totals.gross_cents, with_cents=True)} · "
                f"reste dû {format_euros(totals.open_cents, with_cents=True)}"
            )

        operation = self.context.operations.run(
            lambda: queries.invoices(wanted, today, PAGE), show, owner=self, label="factures"
        )
        self.context.operations.run(
            lambda: queries.invoice_totals(wanted, today), show_totals, owner=self, label="totaux"
        )
        return operation

    def _next_page(
        self, wanted: InvoiceFilter, today: date, page: list[InvoiceListRow], reading: int
    ) -> Callable[[], None] | None:
        """The loader of the page after `page`, None when `page` was the last one."""
        if len(page) < PAGE:
            return None
        last = min(r.number for r in page)  # the pages go down the numbers
        queries = self.queries

        def more() -> None:
            def add(rows: list[InvoiceListRow]) -> None:
                if reading == self._reading:
                    self.model.append(rows, self._next_page(wanted, today, rows, reading))

            self.context.operations.run(
                lambda: queries.invoices(wanted, today, PAGE, before=last), add, owner=self
            )

        return more

    def selected(self) -> InvoiceListRow | None:
        row = current_row(self.table)
        return row if isinstance(row, InvoiceListRow) else None

    def select_number(self, number: str) -> None:
        found = self.model.find(lambda r: r.number == number)
        if found is not None:
            select_row(self.table, found)

    def _enable(self) -> None:
        row = self.selected()
        for button in (self.open_button, self.facturx_button, self.statement_button):
            button.setEnabled(row is not None)
        payable = row is not None and not row.is_credit_note and row.open_cents > 0
        self.payment_button.setEnabled(payable)
        self.credit_button.setEnabled(
            self.credit_note_call is not None and row is not None and not row.is_credit_note
        )

    def _pdf(self, row: InvoiceListRow) -> Callable[[], bytes]:
        """The work that builds the row's Factur-X PDF (run on a worker thread)."""
        sessions, letterhead = self.queries.sessions, self.letterhead
        return lambda: facturx_invoice(sessions, row.invoice_id, letterhead)

    def open_pdf(self) -> Operation[bytes] | None:
        """Build the PDF in the background, then show it in the app (`self.viewer`)."""
        row = self.selected()
        if row is None:
            return None
        kind = "Avoir" if row.is_credit_note else "Facture"

        def show(pdf: bytes) -> None:
            self.viewer = PdfViewer(
                f"{kind} {row.number}",
                pdf,
                f"{row.number}.pdf",
                self,
                save_label="Enregistrer le PDF (Factur-X)…",
            )
            self.viewer.show()

        return self.context.operations.run(self._pdf(row), show, owner=self, label="PDF")

    def save_facturx(self, path: Path | None = None) -> Operation[Path] | None:
        row = self.selected()
        if row is None:
            return None
        return save_in_background(
            self.context,
            self,
            "Enregistrer le Factur-X",
            f"{row.number}.pdf",
            "PDF (*.pdf)",
            self._pdf(row),
            folder_key=FOLDER,
            path=path,
        )

    def record_payment(self) -> PaymentDialog | None:
        row = self.selected()
        if row is None or row.is_credit_note:
            return None
        dialog = PaymentDialog(
            self.context,
            f"Facture {row.number} — {row.buyer_name}",
            row.open_cents,
            row.provider_id,
            row.invoice_id,
            self,
        )
        dialog.open()
        return dialog

    def show_statement(self) -> Operation[list[StatementLine]] | None:
        """Read the provider's account in the background, then show it (`self.statement`)."""
        row = self.selected()
        if row is None:
            return None
        queries = self.queries

        def show(lines: list[StatementLine]) -> None:
            self.statement = StatementDialog(self.context, row.buyer_name, lines, self)
            self.statement.show()

        return self.context.operations.run(
            lambda: queries.statement(row.provider_id), show, owner=self, label="relevé"
        )

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
