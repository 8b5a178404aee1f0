"""A provider's account as the rep sees it: the contract in force, this month's leads against the
cap and the amount so far, the leads sold, and their disputes (file one, decide one)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTreeView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.contracts import STATUS_LABELS, sharing_label
from app.domain.disputes import (
    DISPUTE_REASON_LABELS,
    DISPUTE_STATUS_LABELS,
    NOT_DISPUTE_REASONS,
    DisputeReason,
)
from app.domain.errors import ActionRefused
from app.domain.money import format_euros
from app.reports.pdf_parts import Letterhead
from app.services.billing.invoice_queries import facturx_invoice
from app.services.contracts.contract_queries import ProviderMonth
from ui.core import formatting
from ui.core.changes import Changes
from ui.core.dialog_parts import dialog_buttons, error_line, save_in_background
from ui.core.item_views import on_row_activated
from ui.pipeline.background import LatestRead, refusable
from ui.pipeline.sales_model import SaleColumn, SalesModel

if TYPE_CHECKING:
    from ui.core.context import AppContext
    from ui.core.operations import Operation

ID_ROLE = Qt.ItemDataRole.UserRole
# What the account shows, as the change bus names it.
ACCOUNT_TABLES = frozenset(
    {"lead_sales", "lead_disputes", "provider_credits", "invoices", "contracts",
     "contract_versions", "contract_prices"}
)  # fmt: skip


class ProviderAccount(QWidget):
    """Reads in the background and fills itself when they arrive; refreshes itself when the
    change bus says a sale, a dispute, a credit, an invoice or a contract changed."""

    def __init__(
        self,
        context: AppContext,
        provider_id: uuid.UUID,
        open_contract: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.letterhead: Letterhead = context.settings.letterhead
        self.queries = context.contract_queries
        self.disputes = context.disputes
        self.provider_id = provider_id
        self.clock = context.clock
        self.month: ProviderMonth | None = None
        self._latest = LatestRead()

        self.contract_line = QLabel()
        self.contract_line.setObjectName("contract_line")
        self.contract_line.setWordWrap(True)
        self.contract_line.setStyleSheet("font-weight: 600;")
        self.cap_bar = QProgressBar()
        self.cap_bar.setObjectName("cap_bar")
        self.amount_line = QLabel()
        self.amount_line.setObjectName("amount_line")
        self.amount_line.setWordWrap(True)
        open_button = QPushButton("Contrat…")
        open_button.setObjectName("open_contract")
        open_button.clicked.connect(open_contract)

        self.sales_model = SalesModel()
        self.sales = QTreeView()
        self.sales.setRootIsDecorated(False)
        self.sales.setUniformRowHeights(True)
        self.sales.setObjectName("sales")
        self.sales.setModel(self.sales_model)
        self.sales.setColumnWidth(SaleColumn.SOLD_AT, 120)
        self.sales.setColumnWidth(SaleColumn.CATEGORY, 200)
        self.sales.setColumnWidth(SaleColumn.PLACE, 170)
        self.sales.setSortingEnabled(True)
        self.sales.header().setSortIndicatorShown(False)  # as read: newest first
        dispute = QPushButton("Contester le lead sélectionné…")
        dispute.clicked.connect(self.file_dispute)

        self.dispute_list = QTreeWidget()
        self.dispute_list.setRootIsDecorated(False)
        self.dispute_list.setObjectName("disputes")
        self.dispute_list.setHeaderLabels(["Déposée le", "Lead", "Motif", "Statut", "Décision"])
        self.dispute_list.setColumnWidth(2, 240)
        accept = QPushButton("Accepter (avoir)…")
        accept.clicked.connect(lambda: self.decide(True))
        refuse = QPushButton("Refuser…")
        refuse.clicked.connect(lambda: self.decide(False))

        top = QHBoxLayout()
        top.addWidget(self.contract_line, 1)
        top.addWidget(open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.cap_bar)
        layout.addWidget(self.amount_line)
        layout.addWidget(QLabel("Leads vendus (les 500 derniers)"))
        layout.addWidget(self.sales, 2)
        layout.addWidget(dispute, 0, Qt.AlignmentFlag.AlignLeft)
        self.invoices = QTreeWidget()
        self.invoices.setObjectName("invoices")
        self.invoices.setRootIsDecorated(False)
        self.invoices.setHeaderLabels(["Facture", "Émise le", "Échéance", "HT", "TTC"])
        self.invoices.setMaximumHeight(110)
        on_row_activated(self.invoices, ID_ROLE, lambda _id: self.save_invoice_pdf())
        layout.addWidget(QLabel("Factures émises (double-clic : PDF Factur-X)"))
        layout.addWidget(self.invoices)
        layout.addWidget(QLabel("Contestations"))
        layout.addWidget(self.dispute_list, 1)
        row = QHBoxLayout()
        row.addWidget(accept)
        row.addWidget(refuse)
        row.addStretch(1)
        layout.addLayout(row)
        remembered = context.remembered
        for tree, key in ((self.sales, "sales"), (self.invoices, "invoices"),
                          (self.dispute_list, "disputes")):  # fmt: skip
            remembered.keep_header(tree.header(), f"pipeline/account/{key}")
        context.changes.watch(self, ACCOUNT_TABLES, self.refresh)
        self.refresh()

    def refresh(self, _changes: Changes | None = None) -> None:
        """Read the month and the invoices in the background, then show them."""
        provider_id, now = self.provider_id, self.clock()

        def read() -> tuple[ProviderMonth, list[Any]]:
            return (
                self.queries.provider_month(provider_id, now),
                self.queries.invoices_of(provider_id),
            )

        self.context.operations.run(read, self._latest.show(self._show), owner=self)

    def _show(self, result: tuple[ProviderMonth, list[Any]]) -> None:
        month, invoices = result
        self.month = month
        terms = month.terms
        if month.version is None or terms is None:
            self.contract_line.setText("Aucun contrat en vigueur aujourd'hui.")
            self.cap_bar.hide()
        else:
            version = month.version
            caps = []
            if terms.cap_leads:
                caps.append(f"{terms.cap_leads} leads")
            if terms.cap_cents:
                caps.append(format_euros(terms.cap_cents))
            self.contract_line.setText(
                f"Contrat {version.reference or ''} v{version.number} – "
                f"{STATUS_LABELS[version.status]} depuis le {version.starts_on:%d/%m/%Y} · "
                f"{sharing_label(terms.sharing_level)} · plafond "
                + (" / ".join(caps) if caps else "aucun")
            )
            self.cap_bar.show()
            cap = terms.cap_leads or max(month.leads, 1)
            self.cap_bar.setRange(0, cap)
            self.cap_bar.setValue(min(month.leads, cap))
            self.cap_bar.setFormat(
                f"Leads ce mois : {month.leads} / {terms.cap_leads}"
                if terms.cap_leads
                else f"Leads ce mois : {month.leads} (sans plafond)"
            )
        parts = []
        if month.package_fee_cents:
            parts.append(f"forfait {format_euros(month.package_fee_cents, with_cents=True)}")
        parts.append(f"leads hors forfait {format_euros(month.per_lead_cents, with_cents=True)}")
        if month.credits_cents:
            parts.append(f"avoirs − {format_euros(month.credits_cents, with_cents=True)}")
        self.amount_line.setText(
            f"Montant du mois à ce jour : {format_euros(month.amount_cents, with_cents=True)} HT"
            f" ({' + '.join(parts)})"
        )
        self.sales_model.set_sales(month.sales)
        self.invoices.clear()
        for invoice in invoices:
            row = QTreeWidgetItem(
                self.invoices,
                [
                    invoice.number,
                    f"{invoice.issue_date:%d/%m/%Y}",
                    f"{invoice.due_date:%d/%m/%Y}",
                    format_euros(invoice.net_cents, with_cents=True),
                    format_euros(invoice.gross_cents, with_cents=True),
                ],
            )
            row.setData(0, ID_ROLE, invoice.id)
        self.dispute_list.clear()
        for dispute in month.disputes:
            item = QTreeWidgetItem(
                self.dispute_list,
                [
                    formatting.office_date(dispute.filed_at),
                    f"n° {dispute.lead_number}",
                    DISPUTE_REASON_LABELS[dispute.reason],
                    DISPUTE_STATUS_LABELS[dispute.status],
                    dispute.decision_note,
                ],
            )
            item.setData(0, ID_ROLE, dispute.id)

    def save_invoice_pdf(self, path: Path | None = None) -> Operation[Path] | None:
        """Build the Factur-X PDF and write it on a worker thread (asks where, unless given)."""
        item = self.invoices.currentItem()
        if item is None:
            return None
        # Read now: a refresh while the file dialog is open deletes the item.
        number, invoice_id = item.text(0), item.data(0, ID_ROLE)
        sessions, letterhead = self.queries.sessions, self.letterhead
        return save_in_background(
            self.context,
            self,
            "Enregistrer la facture",
            f"{number}.pdf",
            "PDF (*.pdf)",
            lambda: facturx_invoice(sessions, invoice_id, letterhead),
            folder_key="pipeline/invoices",
            path=path,
        )

    def file_dispute(self, reason: DisputeReason | None = None, comment: str = "") -> bool:
        """Ask the reason (unless given) and file the dispute in the background; False when
        nothing was sent (no sale selected, dialog cancelled). A refusal is a warning."""
        index = self.sales.currentIndex()
        # Read now: a refresh meanwhile replaces the rows.
        sale_id = self.sales_model.sale_id_at(index.row()) if index.isValid() else None
        if sale_id is None:
            QMessageBox.information(self, "Contestation", "Sélectionnez d'abord un lead vendu.")
            return False
        if reason is None:
            dialog = DisputeDialog(self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            reason, comment = dialog.reason.currentData(), dialog.comment.toPlainText()
        chosen = reason
        self.context.operations.run(
            refusable(lambda: self.disputes.file(sale_id, chosen, comment)),
            None,
            lambda message: QMessageBox.warning(self, "Action impossible", message),
            owner=self,
            changes=Changes.of("lead_sales", sale_id) | Changes.tables_only("lead_disputes"),
        )
        return True

    def decide(self, accept: bool, note: str | None = None) -> bool:
        """Accept or refuse the selected dispute in the background (False: nothing sent)."""
        asked = ask_decision(self, self.dispute_list, accept, note)
        if asked is None:
            return False
        dispute_id, reason = asked
        self.context.operations.run(
            refusable(lambda: self.disputes.decide(dispute_id, accept, reason)),
            None,
            lambda message: QMessageBox.warning(self, "Action impossible", message),
            owner=self,
            changes=Changes.of("lead_disputes", dispute_id)
            | Changes.tables_only("lead_sales", "provider_credits"),
        )
        return True


def ask_decision(
    parent: QWidget, dispute_list: QTreeWidget, accept: bool, note: str | None = None
) -> tuple[uuid.UUID, str] | None:
    """The dispute selected in `dispute_list` and the reason of the decision (asked if not
    given); None when nothing is selected or the user cancelled. Reads nothing."""
    item = dispute_list.currentItem()
    if item is None:
        QMessageBox.information(parent, "Contestation", "Sélectionnez une contestation.")
        return None
    # Read now: the list may be refreshed (a sync, the timer) while the reason is asked.
    dispute_id = item.data(0, ID_ROLE)
    if note is None:
        title = "Accepter la contestation" if accept else "Refuser la contestation"
        note, ok = QInputDialog.getText(parent, title, "Motif de la décision :")
        if not ok:
            return None
    return dispute_id, note


class DisputeDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Contester un lead")
        self.reason = QComboBox()
        self.reason.addItem("— choisir —", None)
        for reason in DisputeReason:
            self.reason.addItem(DISPUTE_REASON_LABELS[reason], reason)
        self.comment = QPlainTextEdit()
        self.comment.setMaximumHeight(80)
        not_valid = QLabel(
            "Ne sont pas des motifs de contestation :\n– " + "\n– ".join(NOT_DISPUTE_REASONS)
        )
        not_valid.setStyleSheet("color: #555;")
        self.error = error_line()
        form = QFormLayout(self)
        form.addRow("Motif *", self.reason)
        form.addRow("Commentaire", self.comment)
        form.addRow(not_valid)
        form.addRow(self.error)
        form.addRow(dialog_buttons(self, "Déposer", self._accept))

    def _accept(self) -> None:
        if self.reason.currentData() is None:
            self.error.setText("Choisissez le motif de la contestation.")
            self.error.show()
            return
        self.accept()


def _warn(parent: QWidget, error: Exception) -> None:
    message = (
        error.message if isinstance(error, ActionRefused) else " ".join(error.errors.values())  # type: ignore[attr-defined]
    )
    QMessageBox.warning(parent, "Action impossible", message)
