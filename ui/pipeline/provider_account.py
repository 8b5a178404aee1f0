"""A provider's account as the rep sees it: the contract in force, this month's leads against the
cap and the amount so far, the leads sold, and their disputes (file one, decide one)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

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
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.clock import Clock
from app.domain.contracts import STATUS_LABELS, sharing_label
from app.domain.disputes import (
    DISPUTE_REASON_LABELS,
    DISPUTE_STATUS_LABELS,
    NOT_DISPUTE_REASONS,
    DisputeReason,
)
from app.domain.errors import ActionRefused, FieldErrors
from app.domain.money import format_euros
from app.reports.pdf_parts import Letterhead
from app.services.billing.disputes import DisputeService
from app.services.billing.invoice_queries import facturx_invoice
from app.services.contracts.contract_queries import ContractQueries, ProviderMonth
from app.settings import Settings
from ui.core.dialog_parts import dialog_buttons, error_line, save_file
from ui.core.item_views import on_row_activated

ID_ROLE = Qt.ItemDataRole.UserRole


class ProviderAccount(QWidget):
    def __init__(
        self,
        queries: ContractQueries,
        disputes: DisputeService,
        provider_id: uuid.UUID,
        clock: Clock,
        open_contract: Callable[[], None],
        letterhead: Letterhead | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.letterhead = letterhead or Settings().letterhead
        self.queries = queries
        self.disputes = disputes
        self.provider_id = provider_id
        self.clock = clock
        self.month: ProviderMonth | None = None

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

        self.sales = QTreeWidget()
        self.sales.setRootIsDecorated(False)
        self.sales.setObjectName("sales")
        self.sales.setHeaderLabels(
            ["Vendu le", "Lead", "Catégorie", "Lieu", "Prix HT", "Forfait", "Contestation"]
        )
        self.sales.setColumnWidth(0, 120)
        self.sales.setColumnWidth(2, 200)
        self.sales.setColumnWidth(3, 170)
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
        self.refresh()

    def refresh(self) -> None:
        month = self.month = self.queries.provider_month(self.provider_id, self.clock())
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
        self.sales.clear()
        for sale in month.sales:
            item = QTreeWidgetItem(
                self.sales,
                [
                    sale.sold_at.astimezone().strftime("%d/%m/%Y %H:%M"),
                    f"n° {sale.lead_number}",
                    sale.category,
                    sale.place,
                    format_euros(sale.price_cents, with_cents=True),
                    "inclus" if sale.within_package else "",
                    DISPUTE_STATUS_LABELS[sale.dispute_status] if sale.dispute_status else "",
                ],
            )
            item.setData(0, ID_ROLE, sale.sale_id)
        self.invoices.clear()
        for invoice in self.queries.invoices_of(self.provider_id):
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
                    dispute.filed_at.astimezone().strftime("%d/%m/%Y"),
                    f"n° {dispute.lead_number}",
                    DISPUTE_REASON_LABELS[dispute.reason],
                    DISPUTE_STATUS_LABELS[dispute.status],
                    dispute.decision_note,
                ],
            )
            item.setData(0, ID_ROLE, dispute.id)

    def save_invoice_pdf(self, path: Path | None = None) -> Path | None:
        item = self.invoices.currentItem()
        if item is None:
            return None
        # Read now: a refresh while the file dialog is open deletes the item.
        number, invoice_id = item.text(0), item.data(0, ID_ROLE)
        return save_file(
            self,
            "Enregistrer la facture",
            f"{number}.pdf",
            "PDF (*.pdf)",
            lambda: facturx_invoice(self.queries.sessions, invoice_id, self.letterhead),
            path,
        )

    def file_dispute(self, reason: DisputeReason | None = None, comment: str = "") -> bool:
        item = self.sales.currentItem()
        if item is None:
            QMessageBox.information(self, "Contestation", "Sélectionnez d'abord un lead vendu.")
            return False
        sale_id = item.data(0, ID_ROLE)  # read now: a refresh meanwhile deletes the item
        if reason is None:
            dialog = DisputeDialog(self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            reason, comment = dialog.reason.currentData(), dialog.comment.toPlainText()
        try:
            self.disputes.file(sale_id, reason, comment)
        except (ActionRefused, FieldErrors) as error:
            _warn(self, error)
            return False
        self.refresh()
        return True

    def decide(self, accept: bool, note: str | None = None) -> bool:
        if decide_selected(self, self.dispute_list, self.disputes, accept, note):
            self.refresh()
            return True
        return False


def decide_selected(
    parent: QWidget,
    dispute_list: QTreeWidget,
    disputes: DisputeService,
    accept: bool,
    note: str | None = None,
) -> bool:
    """Accept or refuse the dispute selected in `dispute_list`, asking the reason if not given."""
    item = dispute_list.currentItem()
    if item is None:
        QMessageBox.information(parent, "Contestation", "Sélectionnez une contestation.")
        return False
    # Read now: the list may be refreshed (a sync, the timer) while the reason is asked.
    dispute_id = item.data(0, ID_ROLE)
    if note is None:
        title = "Accepter la contestation" if accept else "Refuser la contestation"
        note, ok = QInputDialog.getText(parent, title, "Motif de la décision :")
        if not ok:
            return False
    try:
        disputes.decide(dispute_id, accept, note)
    except (ActionRefused, FieldErrors) as error:
        _warn(parent, error)
        return False
    return True


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
