"""A provider's payments tab: what they owe, their SEPA mandates, a payment received, and their
account statement. Read and written on worker threads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.billing.ledger import AGE_BUCKETS, aged_balance
from app.billing.sepa import MANDATE_KIND_LABELS, MandateInput
from app.clock import paris_today
from app.domain.money import format_euros
from app.services.billing.collection_queries import (
    InvoiceFilter,
    InvoiceListRow,
    InvoiceState,
    MandateRow,
    StatementLine,
)
from ui.billing.collection_dialogs import MandateDialog, PaymentDialog, StatementDialog
from ui.billing.rows_model import Column, RowsModel, current_row, rows_view
from ui.billing.seen import RefreshWhenSeen
from ui.core.changes import Changes
from ui.core.context import AppContext
from ui.core.operations import Operation

TABLES = ("invoices", "payments", "sepa_mandates")


def _euros(cents: int) -> str:
    return format_euros(cents, with_cents=True)


def open_invoice_columns(today: date) -> tuple[Column[InvoiceListRow], ...]:
    return (
        Column("Facture", lambda r: r.number, width=130),
        Column("Échéance", lambda r: f"{r.due_date:%d/%m/%Y}", lambda r: r.due_date),
        Column("TTC", lambda r: _euros(r.gross_cents), lambda r: r.gross_cents, right=True),
        Column("Reste dû", lambda r: _euros(r.open_cents), lambda r: r.open_cents, right=True),
        Column("État", lambda r: r.state(today)),
    )


MANDATE_COLUMNS: tuple[Column[MandateRow], ...] = (
    Column("RUM", lambda m: m.rum, width=140),
    Column("Titulaire", lambda m: m.debtor_name, width=170),
    Column("IBAN", lambda m: m.iban, width=240),
    Column("Type", lambda m: MANDATE_KIND_LABELS[m.kind], width=85),
    Column("Signé le", lambda m: f"{m.signed_on:%d/%m/%Y}", lambda m: m.signed_on, width=80),
    Column(
        "Dernier prélèvement",
        lambda m: f"{m.last_collected_on:%d/%m/%Y}" if m.last_collected_on else "",
        lambda m: m.last_collected_on or date.min,
        width=140,
    ),
    Column(
        "État",
        lambda m: m.problem or f"valide (caduc le {m.lapses_on:%d/%m/%Y} sans usage)",
        late=lambda m: m.problem is not None,
    ),
)


@dataclass(frozen=True)
class Account:
    open_invoices: list[InvoiceListRow]
    mandates: list[MandateRow]


class ProviderPayments(QWidget):
    """The payments tab of the provider's file (built by ui/pipeline/sales_window.py)."""

    def __init__(
        self,
        context: AppContext,
        provider_id: uuid.UUID,
        company_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.queries = context.collection_queries
        self.service = context.collection
        self.provider_id = provider_id
        self.company_name = company_name
        self.clock = context.clock
        self.open_cents = 0
        self.statement: StatementDialog | None = None
        self.balance = QLabel()
        self.balance.setObjectName("balance")
        self.balance.setWordWrap(True)
        self.balance.setStyleSheet("font-weight: 600;")
        remembered = context.remembered
        self.invoice_model: RowsModel[InvoiceListRow] = RowsModel(
            open_invoice_columns(paris_today(self.clock())), parent=self
        )
        self.open_invoices = rows_view(self.invoice_model, "open-invoices")
        remembered.keep_header(self.open_invoices.header(), "billing/provider/invoices")
        self.mandate_model: RowsModel[MandateRow] = RowsModel(MANDATE_COLUMNS, parent=self)
        self.mandates = rows_view(self.mandate_model, "mandates")
        self.mandates.setMaximumHeight(130)
        remembered.keep_header(self.mandates.header(), "billing/provider/mandates")
        pay = QPushButton("Enregistrer un règlement…")
        pay.clicked.connect(lambda: self.record_payment())
        statement = QPushButton("Relevé de compte…")
        statement.clicked.connect(lambda: self.show_statement())
        add_mandate = QPushButton("Nouveau mandat SEPA…")
        add_mandate.clicked.connect(lambda: self.add_mandate())
        revoke = QPushButton("Révoquer le mandat")
        revoke.clicked.connect(lambda: self.revoke_mandate())
        money_actions = QHBoxLayout()
        money_actions.addWidget(pay)
        money_actions.addWidget(statement)
        money_actions.addStretch(1)
        mandate_actions = QHBoxLayout()
        mandate_actions.addWidget(add_mandate)
        mandate_actions.addWidget(revoke)
        mandate_actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.balance)
        layout.addWidget(QLabel("Factures à régler"))
        layout.addWidget(self.open_invoices)
        layout.addLayout(money_actions)
        layout.addWidget(QLabel("Mandats de prélèvement SEPA"))
        layout.addWidget(self.mandates)
        layout.addLayout(mandate_actions)
        self.seen = RefreshWhenSeen(self, context.changes, TABLES, self.refresh)
        self.refresh()

    def refresh(self) -> Operation[Account]:
        today = paris_today(self.clock())
        queries, provider_id = self.queries, self.provider_id

        def read() -> Account:
            return Account(
                queries.invoices(
                    InvoiceFilter(state=InvoiceState.OPEN, provider_id=provider_id), today
                ),
                queries.mandates(provider_id, today),
            )

        return self.context.operations.run(
            read, lambda account: self._show(account, today), owner=self, label="compte"
        )

    def _show(self, account: Account, today: date) -> None:
        rows = account.open_invoices
        self.invoice_model.reset(rows)
        self.open_cents = sum(r.open_cents for r in rows)
        columns = aged_balance(((r.due_date, r.open_cents) for r in rows), today)
        late = [
            f"{label.lower()} : {_euros(cents)}"
            for label, cents in zip(AGE_BUCKETS[1:], columns[1:], strict=True)
            if cents
        ]
        self.balance.setText(
            f"Reste dû : {_euros(self.open_cents)}"
            + (f" — en retard {', '.join(late)}" if late else "")
        )
        chosen = current_row(self.mandates)
        self.mandate_model.reset(account.mandates)
        if chosen is not None:
            number = self.mandate_model.find(lambda m: m.id == chosen.id)
            if number is not None:
                self.mandates.setCurrentIndex(self.mandate_model.index(number, 0))

    def record_payment(self) -> PaymentDialog | None:
        if self.open_cents <= 0:
            QMessageBox.information(self, "Règlement", "Ce prestataire n'a rien à régler.")
            return None
        dialog = PaymentDialog(
            self.context,
            f"{self.company_name} (réparti sur les plus anciennes factures)",
            self.open_cents,
            self.provider_id,
            parent=self,
        )
        dialog.open()
        return dialog

    def show_statement(self) -> Operation[list[StatementLine]]:
        """Read the account in the background, then show it (`self.statement`)."""
        queries, provider_id = self.queries, self.provider_id

        def show(lines: list[StatementLine]) -> None:
            self.statement = StatementDialog(self.context, self.company_name, lines, self)
            self.statement.show()

        return self.context.operations.run(
            lambda: queries.statement(provider_id), show, owner=self, label="relevé"
        )

    def add_mandate(self) -> MandateDialog:
        service, provider_id = self.service, self.provider_id

        def record(mandate: MandateInput) -> uuid.UUID:
            return service.add_mandate(provider_id, mandate)

        dialog = MandateDialog(self.context, self.company_name, record, self)
        dialog.open()
        return dialog

    def revoke_mandate(self) -> Operation[None] | None:
        mandate = current_row(self.mandates)
        if not isinstance(mandate, MandateRow):
            QMessageBox.information(self, "Mandat", "Sélectionnez le mandat à révoquer.")
            return None
        service = self.service
        return self.context.operations.run(
            lambda: service.revoke_mandate(mandate.id),
            None,
            lambda message: QMessageBox.warning(self, "Mandat", message),
            owner=self,
            changes=Changes.of("sepa_mandates", mandate.id),
            label="mandat",
        )
