"""The back office's small forms: a payment received, a rejected debit, a SEPA mandate, and a
provider's account statement. A form's write runs on a worker thread; a refused form stays
open with what was typed and says why."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.billing.ledger import MANUAL_KINDS, PAYMENT_KIND_LABELS, REJECT_REASONS
from app.billing.sepa import MANDATE_KIND_LABELS, MandateInput, MandateKind
from app.clock import paris_today
from app.domain.errors import ActionRefused, FieldErrors
from app.domain.money import InvalidAmount, format_euros, parse_euros
from app.services.billing.collection_queries import StatementLine
from ui.billing.rows_model import Column, RowsModel, rows_view
from ui.core.changes import Changes
from ui.core.dialog_parts import ERROR_COLOUR, dialog_buttons, error_line
from ui.core.remembered import keep_window

if TYPE_CHECKING:
    from ui.core.context import AppContext


def date_edit(value: date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd/MM/yyyy")
    return edit


def edited_date(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())


@dataclass(frozen=True)
class _Refused:
    """A write refused on the worker thread, to show in the form (not an error of ours)."""

    error: FieldErrors | ActionRefused


def _guarded(work: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        try:
            return work()
        except (FieldErrors, ActionRefused) as error:
            return _Refused(error)

    return run


class _Form(QDialog):
    """A form whose submit runs its write; FieldErrors go under their fields, nothing is lost.

    With a context, the write (`work`) runs on a worker thread and the form closes once it is
    done; `changes` says what it wrote. Without one (a form that writes nothing), inline.
    """

    def __init__(
        self, title: str, parent: QWidget | None, context: AppContext | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(title)
        self.form = QFormLayout(self)
        self.error = error_line()
        self.field_errors: dict[str, QLabel] = {}
        self.result_value: Any = None
        self.changes: Callable[[Any], Changes] = lambda _result: Changes()

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
        """A form that writes nothing: its value, checked (FieldErrors)."""
        raise NotImplementedError

    def work(self) -> Callable[[], Any]:
        """Check what was typed (on the UI thread, FieldErrors) and give the write to run."""
        value = self.save()
        return lambda: value

    def submit(self) -> None:
        for label in self.field_errors.values():
            label.hide()
        self.error.hide()
        try:
            work = self.work()
        except (FieldErrors, ActionRefused) as error:
            self._show_refusal(error)
            return
        if self.context is None:
            self._done(_guarded(work)())
            return
        self.setEnabled(False)  # one write at a time; what was typed stays
        self.context.operations.run(
            _guarded(work),
            self._done,
            self._failed,
            owner=self,
            changes=lambda result: (
                Changes() if isinstance(result, _Refused) else self.changes(result)
            ),
            label=self.windowTitle(),
        )

    def _done(self, result: Any) -> None:
        self.setEnabled(True)
        if isinstance(result, _Refused):
            self._show_refusal(result.error)
            return
        self.result_value = result
        self.accept()

    def _failed(self, message: str) -> None:
        self.setEnabled(True)
        self.error.setText(message)
        self.error.show()

    def _show_refusal(self, error: FieldErrors | ActionRefused) -> None:
        if isinstance(error, ActionRefused):
            self.error.setText(error.message)
            self.error.show()
            return
        for field, message in error.errors.items():
            label = self.field_errors.get(field)
            if label is None:
                self.error.setText(message)
                self.error.show()
            else:
                label.setText(message)
                label.show()


class PaymentDialog(_Form):
    """A transfer or cheque: on the chosen invoice, or over the oldest open ones."""

    def __init__(
        self,
        context: AppContext,
        what: str,
        open_cents: int,
        provider_id: uuid.UUID,
        invoice_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Enregistrer un règlement", parent, context)
        self.service = context.collection
        self.provider_id = provider_id
        self.invoice_id = invoice_id
        self.changes = lambda ids: Changes.of("payments", *ids)
        today = paris_today(context.clock())
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

    def work(self) -> Callable[[], list[uuid.UUID]]:
        try:
            cents = parse_euros(self.amount.text(), required=True)
        except InvalidAmount as bad:
            raise FieldErrors({"amount": str(bad)}) from None
        service, provider_id, invoice_id = self.service, self.provider_id, self.invoice_id
        kind, received_on = self.kind.currentData(), edited_date(self.received_on)
        reference = self.reference.text()
        return lambda: service.record_payment(
            provider_id, kind, cents, received_on, reference, invoice_id=invoice_id
        )


class RejectDialog(_Form):
    """`record(code, on)` runs on a worker thread and returns the reject's payment id."""

    def __init__(
        self,
        context: AppContext,
        what: str,
        record: Callable[[str, date], uuid.UUID],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Enregistrer un rejet de prélèvement", parent, context)
        self.record = record
        self.changes = lambda payment_id: Changes.of("payments", payment_id)
        today = paris_today(context.clock())
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

    def work(self) -> Callable[[], uuid.UUID]:
        record, code, on = self.record, self.code.currentData(), edited_date(self.rejected_on)
        return lambda: record(code, on)


class MandateDialog(_Form):
    """`record(mandate)` runs on a worker thread and returns the new mandate's id."""

    def __init__(
        self,
        context: AppContext,
        debtor_name: str,
        record: Callable[[MandateInput], uuid.UUID],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Nouveau mandat SEPA", parent, context)
        self.record = record
        self.changes = lambda mandate_id: Changes.of("sepa_mandates", mandate_id)
        today = paris_today(context.clock())
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

    def work(self) -> Callable[[], uuid.UUID]:
        mandate = MandateInput(
            self.rum.text(),
            self.debtor_name.text(),
            self.iban.text(),
            self.bic.text(),
            self.kind.currentData(),
            edited_date(self.signed_on),
        )
        record = self.record
        return lambda: record(mandate)


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


STATEMENT_COLUMNS: tuple[Column[StatementLine], ...] = (
    Column("Date", lambda line: f"{line.on:%d/%m/%Y}", lambda line: line.on, width=90),
    Column("Opération", lambda line: line.label, width=380),
    Column(
        "Débit",
        lambda line: format_euros(line.debit_cents, with_cents=True) if line.debit_cents else "",
        lambda line: line.debit_cents,
        right=True,
    ),
    Column(
        "Crédit",
        lambda line: format_euros(line.credit_cents, with_cents=True) if line.credit_cents else "",
        lambda line: line.credit_cents,
        right=True,
    ),
    Column(
        "Solde",
        lambda line: format_euros(line.balance_cents, with_cents=True),
        lambda line: line.balance_cents,
        right=True,
    ),
)


class StatementDialog(QDialog):
    """The provider's account: what was invoiced and paid, with the running balance (the
    lines read by the caller on a worker thread)."""

    def __init__(
        self,
        context: AppContext,
        company_name: str,
        lines: list[StatementLine],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Relevé de compte — {company_name}")
        self.resize(820, 480)
        keep_window(context.remembered, self, "billing/statement")
        self.model: RowsModel[StatementLine] = RowsModel(STATEMENT_COLUMNS, parent=self)
        self.model.reset(lines)
        # In date order: the running balance reads from top to bottom.
        self.table = rows_view(self.model, "statement", sortable=False)
        context.remembered.keep_header(self.table.header(), "billing/statement")
        balance = lines[-1].balance_cents if lines else 0
        self.balance = QLabel(
            f"Solde dû : {format_euros(balance, with_cents=True)}"
            if balance >= 0
            else f"Solde en faveur du prestataire : {format_euros(-balance, with_cents=True)}"
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.balance)
