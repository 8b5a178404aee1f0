"""Direct debits: prepare a collection (the server picks the invoices), write the pain.008 file
for the bank, and record what the bank rejected."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.billing.dunning import DunningPolicy
from app.billing.sepa import (
    Creditor,
    DebitFileRefused,
    DebitLine,
    next_settlement_day,
    pain008,
)
from app.clock import Clock, paris_today
from app.domain.money import format_euros
from app.reports.pdf_parts import Letterhead
from app.services.billing.collection import CollectionService
from app.services.billing.collection_queries import CollectionQueries, DebitRow
from ui.billing.collection_dialogs import RejectDialog, date_edit, edited_date
from ui.core.dialog_parts import save_file

ROW_ROLE = Qt.ItemDataRole.UserRole
DebitRun = Callable[[str], Awaitable[dict[str, Any]]]


def creditor_of(letterhead: Letterhead) -> Creditor:
    return Creditor(
        letterhead.name, letterhead.sepa_creditor_id, letterhead.bank_iban, letterhead.bank_bic
    )


def lines_of(answer: dict[str, Any]) -> list[DebitLine]:
    return [
        DebitLine(
            end_to_end_id=line["end_to_end_id"],
            amount_cents=line["amount_cents"],
            debtor_name=line["debtor_name"],
            iban=line["iban"],
            bic=line["bic"],
            rum=line["rum"],
            mandate_signed_on=date.fromisoformat(line["mandate_signed_on"]),
            sequence_type=line["sequence_type"],
            description=line["description"],
        )
        for line in answer["lines"]
    ]


class DebitTab(QWidget):
    def __init__(
        self,
        queries: CollectionQueries,
        service: CollectionService,
        clock: Clock,
        letterhead: Letterhead,
        debit_run: DebitRun | None,
        policy: DunningPolicy,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.queries = queries
        self.service = service
        self.clock = clock
        self.creditor = creditor_of(letterhead)
        self.debit_run_call = debit_run
        today = paris_today(clock())
        self.collection_date: QDateEdit = date_edit(next_settlement_day(today + timedelta(days=1)))
        self.prepare_button = QPushButton("Préparer la remise…")
        self.prepare_button.clicked.connect(lambda: self.prepare())
        if debit_run is None:
            self.prepare_button.setEnabled(False)
            self.prepare_button.setToolTip(
                "Le serveur prépare la remise, à la demande d'un manager (Pilotage)."
            )
        self.status = QLabel(
            "Le serveur retient les factures échues à cette date dont le prestataire a un mandat "
            f"valide et dont le préavis de {policy.prenotice_days} jours (la facture, qui "
            "annonce le prélèvement) est écoulé."
        )
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Date de prélèvement :"))
        top.addWidget(self.collection_date)
        top.addWidget(self.prepare_button)
        top.addStretch(1)
        self.skipped = QTreeWidget()
        self.skipped.setRootIsDecorated(False)
        self.skipped.setHeaderLabels(["Facture", "Prestataire", "Reste dû", "Non prélevée car"])
        self.skipped.setMaximumHeight(130)
        for column, width in enumerate((120, 240, 100)):
            self.skipped.setColumnWidth(column, width)
        self.batches = QTreeWidget()
        self.batches.setObjectName("batches")
        self.batches.setRootIsDecorated(False)
        self.batches.setHeaderLabels(["Remise", "Prélevée le", "Prélèvements", "Total"])
        self.batches.setMaximumHeight(140)
        self.batches.setColumnWidth(0, 260)
        self.batches.itemActivated.connect(lambda _item: self.save_batch_file())
        save_batch = QPushButton("Enregistrer le fichier pain.008…")
        save_batch.clicked.connect(lambda: self.save_batch_file())
        self.debits = QTreeWidget()
        self.debits.setObjectName("debits")
        self.debits.setRootIsDecorated(False)
        self.debits.setHeaderLabels(
            ["Prélevée le", "Prestataire", "Facture", "Montant", "Remise", "Rejet"]
        )
        for column, width in enumerate((85, 240, 120, 100, 240)):
            self.debits.setColumnWidth(column, width)
        self.reject_button = QPushButton("Enregistrer un rejet…")
        self.reject_button.clicked.connect(lambda: self.record_reject())
        batch_actions = QHBoxLayout()
        batch_actions.addWidget(save_batch)
        batch_actions.addStretch(1)
        debit_actions = QHBoxLayout()
        debit_actions.addWidget(self.reject_button)
        debit_actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(QLabel("Factures échues non prélevées"))
        layout.addWidget(self.skipped)
        layout.addWidget(QLabel("Remises"))
        layout.addWidget(self.batches)
        layout.addLayout(batch_actions)
        layout.addWidget(QLabel("Prélèvements des 6 derniers mois"))
        layout.addWidget(self.debits)
        layout.addLayout(debit_actions)
        self.refresh()

    def refresh(self) -> None:
        self.batches.clear()
        for batch_id, message_id, on, count, total in self.queries.batches():
            item = QTreeWidgetItem(
                self.batches,
                [message_id, f"{on:%d/%m/%Y}", str(count), format_euros(total, with_cents=True)],
            )
            item.setData(0, ROW_ROLE, batch_id)
        self.debits.clear()
        since = paris_today(self.clock()) - timedelta(days=183)
        for debit in self.queries.debits(since):
            item = QTreeWidgetItem(
                self.debits,
                [
                    f"{debit.collection_date:%d/%m/%Y}",
                    debit.buyer_name,
                    debit.invoice_number,
                    format_euros(debit.amount_cents, with_cents=True),
                    debit.message_id,
                    f"rejeté ({debit.rejected_code})" if debit.rejected_code else "",
                ],
            )
            item.setData(0, ROW_ROLE, debit)
            if debit.rejected_code:
                item.setForeground(5, Qt.GlobalColor.darkRed)

    def prepare(self, path: Path | None = None) -> asyncio.Future[None] | None:
        if self.debit_run_call is None:
            return None
        self.prepare_button.setEnabled(False)
        self.status.setText("Préparation de la remise par le serveur…")
        return asyncio.ensure_future(self.ask(edited_date(self.collection_date), path))

    async def ask(self, collection_date: date, path: Path | None = None) -> Path | None:
        assert self.debit_run_call is not None
        try:
            answer = await self.debit_run_call(collection_date.isoformat())
        except Exception as exc:  # refused or unreachable: said, nothing recorded
            self.status.setText(f"Le serveur n'a pas préparé la remise : {exc}")
            return None
        finally:
            self.prepare_button.setEnabled(True)
        self.show_skipped(answer["skipped"])
        lines = lines_of(answer)
        if not lines:
            self.status.setText(
                f"Aucune facture à prélever le {collection_date:%d/%m/%Y}."
                + (" Factures échues non prélevées : voir ci-dessous." if answer["skipped"] else "")
            )
            return None
        total = sum(line.amount_cents for line in lines)
        self.status.setText(
            f"Remise {answer['message_id']} : {len(lines)} prélèvement(s), "
            f"{format_euros(total, with_cents=True)}, le {collection_date:%d/%m/%Y}. "
            "Enregistrez le fichier et déposez-le sur le site de la banque."
        )
        return self.write_file(answer["message_id"], collection_date, lines, path)

    def show_skipped(self, skipped: list[dict[str, Any]]) -> None:
        self.skipped.clear()
        for row in skipped:
            QTreeWidgetItem(
                self.skipped,
                [
                    row["number"],
                    row["buyer_name"],
                    format_euros(row["open_cents"], with_cents=True),
                    row["reason"],
                ],
            )

    def write_file(
        self, message_id: str, on: date, lines: list[DebitLine], path: Path | None
    ) -> Path | None:
        try:
            xml = pain008(self.creditor, message_id, on, lines)
        except DebitFileRefused as refused:
            QMessageBox.warning(self, "Fichier de prélèvement", str(refused))
            return None
        return save_file(
            self,
            "Enregistrer le fichier de prélèvement",
            f"{message_id}.xml",
            "XML (*.xml)",
            lambda: xml,
            path,
        )

    def save_batch_file(self, path: Path | None = None) -> Path | None:
        item = self.batches.currentItem()
        if item is None:
            return None
        batch = self.queries.batch_file(item.data(0, ROW_ROLE))
        return self.write_file(batch.message_id, batch.collection_date, batch.lines, path)

    def record_reject(self) -> RejectDialog | None:
        item = self.debits.currentItem()
        if item is None:
            QMessageBox.information(self, "Rejet", "Sélectionnez le prélèvement rejeté.")
            return None
        debit: DebitRow = item.data(0, ROW_ROLE)
        dialog = RejectDialog(
            f"Prélèvement de {format_euros(debit.amount_cents, with_cents=True)} du "
            f"{debit.collection_date:%d/%m/%Y} — facture {debit.invoice_number}, "
            f"{debit.buyer_name}",
            paris_today(self.clock()),
            lambda code, on: self.service.record_reject(debit.payment_id, code, on),
            self,
        )
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog
