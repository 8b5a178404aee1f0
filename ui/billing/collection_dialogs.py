"""The back office's small forms: a payment received, a rejected debit, a SEPA mandate, and a
provider's account statement. A refused form stays open with what was typed and says why."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.billing.ledger import MANUAL_KINDS, PAYMENT_KIND_LABELS, REJECT_REASONS
from app.billing.sepa import MANDATE_KIND_LABELS, MandateInput, MandateKind
from app.domain.errors import ActionRefused, FieldErrors
from app.domain.money import InvalidAmount, format_euros, parse_euros
from app.services.billing.collection import CollectionService
from app.services.billing.collection_queries import StatementLine
from ui.core.dialog_parts import ERROR_COLOUR, dialog_buttons, error_line


def date_edit(value: date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd/MM/yyyy")
    return edit


def edited_date(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())


class _Form(QDialog):
    """A form whose submit runs `save`; FieldErrors go under their fields, nothing is lost."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout(self)
        self.error = error_line()
        self.field_errors: dict[str, QLabel] = {}
        self.result_value: Any = None

    def add_row(self, label: str, widget: QWidget, field: str) -> None:
        message = QLabel()
        message.setStyleSheet(f"color: {ERROR_COLOUR};")
        message.setWordWrap(True)
        message.hide()
        self.field_errors[field] = message
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(widget)
        column.addWidget(message)
        self.form.addRow(label, holder)

    def finish(self, accept_text: str) -> None:
        self.form.addRow(self.error)
        self.form.addRow(dialog_buttons(self, accept_text, self.submit))

    def save(self) -> Any:
        raise NotImplementedError

    def submit(self) -> None:
        for label in self.field_errors.values():
            label.hide()
        self.error.hide()
        try:
            self.result_value = self.save()
        except FieldErrors as errors:
            for field, message in errors.errors.items():
                label = self.field_errors.get(field)
                if label is None:
                    self.error.setText(message)
                    self.error.show()
                else:
                    label.setText(message)
                    label.show()
            return
        except ActionRefused as refused:
            self.error.setText(refused.message)
            self.error.show()
            return
        self.accept()


class PaymentDialog(_Form):
    """A transfer or cheque: on the chosen invoice, or over the oldest open ones."""

    def __init__(
        self,
        what: str,
        open_cents: int,
        today: date,
        service: CollectionService,
        provider_id: uuid.UUID,
        invoice_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Enregistrer un règlement", parent)
        self.service = service
        self.provider_id = provider_id
        self.invoice_id = invoice_id
        self.form.addRow(QLabel(f"{what} — reste dû : {format_euros(open_cents, with_cents=True)}"))
        self.kind = QComboBox()
        for kind in MANUAL_KINDS:
            self.kind.addItem(PAYMENT_KIND_LABELS[kind], kind)
        self.amount = QLineEdit(format_euros(open_cents, with_cents=True))
        self.received_on = date_edit(today)
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("libellé du virement, n° de chèque…")
        self.add_row("Mode", self.kind, "kind")
        self.add_row("Montant *", self.amount, "amount")
        self.add_row("Reçu le *", self.received_on, "received_on")
        self.add_row("Référence", self.reference, "reference")
        self.finish("Enregistrer")

    def save(self) -> Any:
        try:
            cents = parse_euros(self.amount.text(), required=True)
        except InvalidAmount as bad:
            raise FieldErrors({"amount": str(bad)}) from None
        return self.service.record_payment(
            self.provider_id,
            self.kind.currentData(),
            cents,
            edited_date(self.received_on),
            self.reference.text(),
            invoice_id=self.invoice_id,
        )


class RejectDialog(_Form):
    def __init__(
        self,
        what: str,
        today: date,
        record: Callable[[str, date], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Enregistrer un rejet de prélèvement", parent)
        self.record = record
        self.form.addRow(QLabel(what))
        self.code = QComboBox()
        self.code.addItem("— motif donné par la banque —", "")
        for code, label in REJECT_REASONS.items():
            self.code.addItem(f"{code} – {label}", code)
        self.rejected_on = date_edit(today)
        self.add_row("Motif *", self.code, "reject_code")
        self.add_row("Rejeté le *", self.rejected_on, "received_on")
        self.form.addRow(
            QLabel("La facture redevient due : elle passe en relance, sans nouveau prélèvement.")
        )
        self.finish("Enregistrer le rejet")

    def save(self) -> Any:
        return self.record(self.code.currentData(), edited_date(self.rejected_on))


class MandateDialog(_Form):
    def __init__(
        self,
        debtor_name: str,
        today: date,
        record: Callable[[MandateInput], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Nouveau mandat SEPA", parent)
        self.record = record
        self.rum = QLineEdit()
        self.rum.setMaxLength(35)
        self.debtor_name = QLineEdit(debtor_name)
        self.iban = QLineEdit()
        self.iban.setPlaceholderText("FR76 …")
        self.bic = QLineEdit()
        self.bic.setPlaceholderText("facultatif")
        self.kind = QComboBox()
        for kind in MandateKind:
            self.kind.addItem(MANDATE_KIND_LABELS[kind], kind)
        self.signed_on = date_edit(today)
        self.add_row("RUM *", self.rum, "rum")
        self.add_row("Titulaire du compte *", self.debtor_name, "debtor_name")
        self.add_row("IBAN *", self.iban, "iban")
        self.add_row("BIC", self.bic, "bic")
        self.add_row("Type", self.kind, "kind")
        self.add_row("Signé le *", self.signed_on, "signed_on")
        self.finish("Enregistrer le mandat")

    def save(self) -> Any:
        return self.record(
            MandateInput(
                self.rum.text(),
                self.debtor_name.text(),
                self.iban.text(),
                self.bic.text(),
                self.kind.currentData(),
                edited_date(self.signed_on),
            )
        )


class CreditNoteDialog(_Form):
    """A credit note on an issued invoice: all of it, or an amount excl. VAT."""

    def __init__(self, number: str, net_cents: int, parent: QWidget | None = None) -> None:
        super().__init__(f"Avoir sur la facture {number}", parent)
        self.net_cents = net_cents
        self.form.addRow(
            QLabel(
                f"Facture {number} : {format_euros(net_cents, with_cents=True)} HT. L'avoir "
                "reçoit le numéro suivant et la facture reste telle qu'émise."
            )
        )
        self.whole = QComboBox()
        self.whole.addItem("Toute la facture (annulation)", True)
        self.whole.addItem("Un montant (avoir partiel)", False)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("montant HT")
        self.amount.setEnabled(False)
        self.whole.currentIndexChanged.connect(
            lambda _i: self.amount.setEnabled(not self.whole.currentData())
        )
        self.reason = QLineEdit()
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("imprimé sur l'avoir")
        self.add_row("Avoir", self.whole, "whole")
        self.add_row("Montant HT", self.amount, "net_cents")
        self.add_row("Motif *", self.reason, "reason")
        self.finish("Émettre l'avoir")

    def save(self) -> tuple[str, int | None]:
        errors: dict[str, str] = {}
        reason = self.reason.text().strip()
        if len(reason) < 3:
            errors["reason"] = "Indiquez le motif de l'avoir."
        cents = None
        if not self.whole.currentData():
            try:
                cents = parse_euros(self.amount.text(), required=True)
            except InvalidAmount as bad:
                errors["net_cents"] = str(bad)
            else:
                if not cents or cents > self.net_cents:
                    errors["net_cents"] = (
                        "Entre 0,01 € et le montant HT de la facture "
                        f"({format_euros(self.net_cents, with_cents=True)})."
                    )
        if errors:
            raise FieldErrors(errors)
        return reason, cents


class StatementDialog(QDialog):
    """The provider's account: what was invoiced and paid, with the running balance."""

    def __init__(
        self, company_name: str, lines: list[StatementLine], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Relevé de compte — {company_name}")
        self.resize(820, 480)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["Date", "Opération", "Débit", "Crédit", "Solde"])
        self.table.setColumnWidth(0, 90)
        self.table.setColumnWidth(1, 380)
        for line in lines:
            QTreeWidgetItem(
                self.table,
                [
                    f"{line.on:%d/%m/%Y}",
                    line.label,
                    format_euros(line.debit_cents, with_cents=True) if line.debit_cents else "",
                    format_euros(line.credit_cents, with_cents=True) if line.credit_cents else "",
                    format_euros(line.balance_cents, with_cents=True),
                ],
            )
        balance = lines[-1].balance_cents if lines else 0
        self.balance = QLabel(
            f"Solde dû : {format_euros(balance, with_cents=True)}"
            if balance >= 0
            else f"Solde en faveur du prestataire : {format_euros(-balance, with_cents=True)}"
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.balance)
