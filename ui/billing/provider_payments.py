"""A provider's payments tab: what they owe, their SEPA mandates, a payment received, and their
account statement."""

from __future__ import annotations

import uuid

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

from app.billing.ledger import AGE_BUCKETS, aged_balance
from app.billing.sepa import MANDATE_KIND_LABELS, MandateInput
from app.clock import Clock, paris_today
from app.domain.errors import ActionRefused
from app.domain.money import format_euros
from app.services.billing.collection import CollectionService
from app.services.billing.collection_queries import CollectionQueries, InvoiceFilter, InvoiceState
from ui.billing.collection_dialogs import MandateDialog, PaymentDialog, StatementDialog

ID_ROLE = Qt.ItemDataRole.UserRole


class ProviderPayments(QWidget):
    def __init__(
        self,
        queries: CollectionQueries,
        service: CollectionService,
        provider_id: uuid.UUID,
        company_name: str,
        clock: Clock,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.queries = queries
        self.service = service
        self.provider_id = provider_id
        self.company_name = company_name
        self.clock = clock
        self.balance = QLabel()
        self.balance.setObjectName("balance")
        self.balance.setWordWrap(True)
        self.balance.setStyleSheet("font-weight: 600;")
        self.open_invoices = QTreeWidget()
        self.open_invoices.setRootIsDecorated(False)
        self.open_invoices.setHeaderLabels(["Facture", "Échéance", "TTC", "Reste dû", "État"])
        self.open_invoices.setColumnWidth(0, 130)
        self.mandates = QTreeWidget()
        self.mandates.setObjectName("mandates")
        self.mandates.setRootIsDecorated(False)
        self.mandates.setHeaderLabels(
            ["RUM", "Titulaire", "IBAN", "Type", "Signé le", "Dernier prélèvement", "État"]
        )
        for column, width in enumerate((140, 170, 240, 85, 80, 140)):
            self.mandates.setColumnWidth(column, width)
        self.mandates.setMaximumHeight(130)
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
        self.refresh()

    def refresh(self) -> None:
        today = paris_today(self.clock())
        rows = self.queries.invoices(
            InvoiceFilter(state=InvoiceState.OPEN, provider_id=self.provider_id), today
        )
        self.open_invoices.clear()
        for row in rows:
            QTreeWidgetItem(
                self.open_invoices,
                [
                    row.number,
                    f"{row.due_date:%d/%m/%Y}",
                    format_euros(row.gross_cents, with_cents=True),
                    format_euros(row.open_cents, with_cents=True),
                    row.state(today),
                ],
            )
        self.open_cents = sum(r.open_cents for r in rows)
        columns = aged_balance(((r.due_date, r.open_cents) for r in rows), today)
        late = [
            f"{label.lower()} : {format_euros(cents, with_cents=True)}"
            for label, cents in zip(AGE_BUCKETS[1:], columns[1:], strict=True)
            if cents
        ]
        self.balance.setText(
            f"Reste dû : {format_euros(self.open_cents, with_cents=True)}"
            + (f" — en retard {', '.join(late)}" if late else "")
        )
        self.mandates.clear()
        for mandate in self.queries.mandates(self.provider_id, today):
            state = mandate.problem or f"valide (caduc le {mandate.lapses_on:%d/%m/%Y} sans usage)"
            item = QTreeWidgetItem(
                self.mandates,
                [
                    mandate.rum,
                    mandate.debtor_name,
                    mandate.iban,
                    MANDATE_KIND_LABELS[mandate.kind],
                    f"{mandate.signed_on:%d/%m/%Y}",
                    f"{mandate.last_collected_on:%d/%m/%Y}" if mandate.last_collected_on else "",
                    state,
                ],
            )
            item.setData(0, ID_ROLE, mandate.id)
            if mandate.problem:
                item.setForeground(6, Qt.GlobalColor.darkRed)

    def record_payment(self) -> PaymentDialog | None:
        if self.open_cents <= 0:
            QMessageBox.information(self, "Règlement", "Ce prestataire n'a rien à régler.")
            return None
        dialog = PaymentDialog(
            f"{self.company_name} (réparti sur les plus anciennes factures)",
            self.open_cents,
            paris_today(self.clock()),
            self.service,
            self.provider_id,
            parent=self,
        )
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog

    def show_statement(self) -> StatementDialog:
        dialog = StatementDialog(self.company_name, self.queries.statement(self.provider_id), self)
        dialog.show()
        return dialog

    def add_mandate(self) -> MandateDialog:
        def record(mandate: MandateInput) -> uuid.UUID:
            return self.service.add_mandate(self.provider_id, mandate)

        dialog = MandateDialog(self.company_name, paris_today(self.clock()), record, self)
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog

    def revoke_mandate(self) -> bool:
        item = self.mandates.currentItem()
        if item is None:
            QMessageBox.information(self, "Mandat", "Sélectionnez le mandat à révoquer.")
            return False
        try:
            self.service.revoke_mandate(item.data(0, ID_ROLE))
        except ActionRefused as refused:
            QMessageBox.warning(self, "Mandat", refused.message)
            return False
        self.refresh()
        return True
