"""Direct debits: prepare a collection (the server picks the invoices), write the pain.008 file
for the bank (built and written on a worker thread), and record what the bank rejected."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.billing.sepa import (
    Creditor,
    DebitFileRefused,
    DebitLine,
    next_settlement_day,
    pain008,
)
from app.clock import paris_today
from app.domain.errors import ActionRefused
from app.domain.money import format_euros
from app.reports.pdf_parts import Letterhead
from app.services.billing.collection_queries import DebitRow
from ui.billing.collection_dialogs import RejectDialog, date_edit, edited_date
from ui.billing.rows_model import ROW_ROLE, Column, RowsModel, current_row, rows_view
from ui.billing.seen import RefreshWhenSeen
from ui.core.context import AppContext
from ui.core.dialog_parts import save_in_background
from ui.core.item_views import on_row_activated
from ui.core.operations import Operation

FOLDER = "billing/debits"
TABLES = ("debit_batches", "payments", "invoices", "sepa_mandates")
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


@dataclass(frozen=True)
class Batch:
    id: uuid.UUID
    message_id: str
    collection_date: date
    count: int
    total_cents: int


@dataclass(frozen=True)
class Skipped:
    number: str
    buyer_name: str
    open_cents: int
    reason: str


def _euros(cents: int) -> str:
    return format_euros(cents, with_cents=True)


BATCH_COLUMNS: tuple[Column[Batch], ...] = (
    Column("Remise", lambda b: b.message_id, width=260),
    Column("Prélevée le", lambda b: f"{b.collection_date:%d/%m/%Y}", lambda b: b.collection_date),
    Column("Prélèvements", lambda b: str(b.count), lambda b: b.count, right=True),
    Column("Total", lambda b: _euros(b.total_cents), lambda b: b.total_cents, right=True),
)
DEBIT_COLUMNS: tuple[Column[DebitRow], ...] = (
    Column(
        "Prélevée le",
        lambda d: f"{d.collection_date:%d/%m/%Y}",
        lambda d: d.collection_date,
        width=85,
    ),
    Column("Prestataire", lambda d: d.buyer_name, lambda d: d.buyer_name.lower(), width=240),
    Column("Facture", lambda d: d.invoice_number, width=120),
    Column(
        "Montant", lambda d: _euros(d.amount_cents), lambda d: d.amount_cents, right=True, width=100
    ),
    Column("Remise", lambda d: d.message_id, width=240),
    Column(
        "Rejet",
        lambda d: f"rejeté ({d.rejected_code})" if d.rejected_code else "",
        late=lambda d: d.rejected_code is not None,
    ),
)
SKIPPED_COLUMNS: tuple[Column[Skipped], ...] = (
    Column("Facture", lambda s: s.number, width=120),
    Column("Prestataire", lambda s: s.buyer_name, width=240),
    Column(
        "Reste dû", lambda s: _euros(s.open_cents), lambda s: s.open_cents, right=True, width=100
    ),
    Column("Non prélevée car", lambda s: s.reason),
)


class DebitTab(QWidget):
    def __init__(
        self,
        context: AppContext,
        debit_run: DebitRun | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.queries = context.collection_queries
        self.service = context.collection
        self.clock = context.clock
        self.creditor = creditor_of(context.settings.letterhead)
        self.debit_run_call = debit_run
        self.reject_dialog: RejectDialog | None = None
        policy = context.settings.dunning
        today = paris_today(self.clock())
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
        remembered = context.remembered
        self.skipped_model: RowsModel[Skipped] = RowsModel(SKIPPED_COLUMNS, parent=self)
        self.skipped = rows_view(self.skipped_model, "skipped")
        self.skipped.setMaximumHeight(130)
        remembered.keep_header(self.skipped.header(), "billing/debits/skipped")
        self.batch_model: RowsModel[Batch] = RowsModel(BATCH_COLUMNS, parent=self)
        self.batches = rows_view(self.batch_model, "batches")
        self.batches.setMaximumHeight(140)
        remembered.keep_header(self.batches.header(), "billing/debits/batches")
        on_row_activated(self.batches, ROW_ROLE, lambda _batch: self.save_batch_file())
        save_batch = QPushButton("Enregistrer le fichier pain.008…")
        save_batch.clicked.connect(lambda: self.save_batch_file())
        self.debit_model: RowsModel[DebitRow] = RowsModel(DEBIT_COLUMNS, parent=self)
        self.debits = rows_view(self.debit_model, "debits")
        remembered.keep_header(self.debits.header(), "billing/debits/debits")
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
        self.seen = RefreshWhenSeen(self, context.changes, TABLES, self.refresh)
        self.refresh()

    def refresh(self) -> Operation[Any]:
        """Read the batches and the last six months of debits on a worker thread."""
        queries = self.queries
        since = paris_today(self.clock()) - timedelta(days=183)

        def read() -> tuple[list[Batch], list[DebitRow]]:
            batches = [Batch(*row) for row in queries.batches()]
            return batches, queries.debits(since)

        def show(found: tuple[list[Batch], list[DebitRow]]) -> None:
            batches, debits = found
            batch, debit = current_row(self.batches), current_row(self.debits)
            self.batch_model.reset(batches)
            self.debit_model.reset(debits)
            self._select_again(self.batches, self.batch_model, batch, lambda b: b.id)
            self._select_again(self.debits, self.debit_model, debit, lambda d: d.payment_id)

        return self.context.operations.run(read, show, owner=self, label="prélèvements")

    @staticmethod
    def _select_again(
        view: Any, model: RowsModel[Any], row: Any, key: Callable[[Any], Any]
    ) -> None:
        if row is None:
            return
        found = model.find(lambda r: key(r) == key(row))
        if found is not None:
            view.setCurrentIndex(model.index(found, 0))

    def prepare(self, path: Path | None = None) -> asyncio.Future[None] | None:
        if self.debit_run_call is None:
            return None
        self.prepare_button.setEnabled(False)
        self.status.setText("Préparation de la remise par le serveur…")
        return asyncio.ensure_future(self.ask(edited_date(self.collection_date), path))

    async def ask(self, collection_date: date, path: Path | None = None) -> Operation[Path] | None:
        """Ask the server for the collection, then write its file (on a worker thread)."""
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
        message_id = answer["message_id"]
        # The server recorded the batch: it comes here with the next pull (the sync announces).
        return self.write_file(message_id, lambda: (collection_date, lines), path)

    def show_skipped(self, skipped: list[dict[str, Any]]) -> None:
        self.skipped_model.reset(
            [
                Skipped(row["number"], row["buyer_name"], row["open_cents"], row["reason"])
                for row in skipped
            ]
        )

    def write_file(
        self,
        message_id: str,
        content: Callable[[], tuple[date, list[DebitLine]]],
        path: Path | None,
    ) -> Operation[Path] | None:
        """Ask where (unless `path`), then read the lines and build the pain.008 file on a
        worker thread; a file the bank's schema would refuse is said, nothing written."""
        creditor = self.creditor

        def xml() -> bytes:
            on, lines = content()
            try:
                return pain008(creditor, message_id, on, lines)
            except DebitFileRefused as refused:
                raise ActionRefused(str(refused)) from refused

        return save_in_background(
            self.context,
            self,
            "Enregistrer le fichier de prélèvement",
            f"{message_id}.xml",
            "XML (*.xml)",
            xml,
            folder_key=FOLDER,
            path=path,
        )

    def save_batch_file(self, path: Path | None = None) -> Operation[Path] | None:
        batch = current_row(self.batches)
        if not isinstance(batch, Batch):
            return None
        queries = self.queries

        def lines() -> tuple[date, list[DebitLine]]:
            found = queries.batch_file(batch.id)
            return found.collection_date, found.lines

        return self.write_file(batch.message_id, lines, path)

    def record_reject(self) -> RejectDialog | None:
        debit = current_row(self.debits)
        if not isinstance(debit, DebitRow):
            QMessageBox.information(self, "Rejet", "Sélectionnez le prélèvement rejeté.")
            return None
        service = self.service
        dialog = RejectDialog(
            self.context,
            f"Prélèvement de {format_euros(debit.amount_cents, with_cents=True)} du "
            f"{debit.collection_date:%d/%m/%Y} — facture {debit.invoice_number}, "
            f"{debit.buyer_name}",
            lambda code, on: service.record_reject(debit.payment_id, code, on),
            self,
        )
        self.reject_dialog = dialog
        dialog.open()
        return dialog
