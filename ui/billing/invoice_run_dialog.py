"""The managers' invoice run: preview a month's invoices (drafts, anomalies), then issue them.

The server computes and numbers everything; this screen asks it and shows the answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.billing.monthly_bill import month_label
from app.clock import Clock, paris_today
from app.domain.money import format_euros
from ui.billing.rows_model import Column, RowsModel, rows_view
from ui.core.remembered import Remembered, keep_window

InvoiceRun = Callable[[str, bool], Awaitable[dict[str, Any]]]
RunRow = dict[str, Any]  # one invoice of the server's answer


def _euros(key: str) -> Callable[[RunRow], str]:
    return lambda row: format_euros(row[key], with_cents=True)


RUN_COLUMNS: tuple[Column[RunRow], ...] = (
    Column(
        "Prestataire", lambda r: r["company_name"], lambda r: r["company_name"].lower(), width=260
    ),
    Column("N°", lambda r: r["number"] or "brouillon", width=120),
    Column("HT", _euros("net_cents"), lambda r: r["net_cents"], right=True, width=100),
    Column("TVA", _euros("vat_cents"), lambda r: r["vat_cents"], right=True, width=90),
    Column("TTC", _euros("gross_cents"), lambda r: r["gross_cents"], right=True, width=100),
    Column(
        "Anomalies",
        lambda r: ", ".join(r["anomalies"]),
        lambda r: (len(r["anomalies"]), ", ".join(r["anomalies"])),
        late=lambda r: bool(r["anomalies"]),
    ),
)


class InvoiceRunDialog(QDialog):
    """The server answers with every invoice of the month (one per provider: a list of
    thousands), shown through a table model. `remembered` (the context's) keeps its size and
    columns; its caller in ui/queue may pass it."""

    def __init__(
        self,
        run: InvoiceRun | None,
        clock: Clock,
        parent: QWidget | None = None,
        remembered: Remembered | None = None,
    ) -> None:
        super().__init__(parent)
        self.run = run
        self.setWindowTitle("Facturation mensuelle")
        self.resize(1050, 620)
        if remembered is not None:
            keep_window(remembered, self, "billing/invoice-run")
        self.month = QComboBox()
        first = paris_today(clock()).replace(day=1)
        month = first
        for _ in range(12):
            month = (month - timedelta(days=1)).replace(day=1)
            self.month.addItem(month_label(month).capitalize(), f"{month:%Y-%m}")
        self.preview_button = QPushButton("Aperçu")
        self.preview_button.clicked.connect(lambda: self.start(issue=False))
        self.issue_button = QPushButton("Émettre les factures…")
        self.issue_button.setEnabled(False)
        self.issue_button.clicked.connect(self.confirm_issue)
        if run is None:
            for button in (self.preview_button, self.issue_button):
                button.setEnabled(False)
                button.setToolTip("Poste non relié au serveur : la facturation est faite par lui.")
        self.model: RowsModel[RunRow] = RowsModel(RUN_COLUMNS, parent=self)
        self.table = rows_view(self.model, "run")
        if remembered is not None:
            remembered.keep_header(self.table.header(), "billing/invoice-run")
        self.summary = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Mois :"))
        top.addWidget(self.month)
        top.addWidget(self.preview_button)
        top.addWidget(self.issue_button)
        top.addStretch(1)
        close = QPushButton("Fermer")
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addWidget(self.summary)
        layout.addLayout(bottom)
        self.month.currentIndexChanged.connect(lambda _i: self._clear())

    def _clear(self) -> None:
        self.model.reset([])
        self.summary.clear()
        self.issue_button.setEnabled(False)

    def start(self, issue: bool) -> asyncio.Future[None] | None:
        if self.run is None:
            return None
        self.preview_button.setEnabled(False)
        self.issue_button.setEnabled(False)
        self.status.setText("Émission en cours…" if issue else "Calcul de l'aperçu…")
        return asyncio.ensure_future(self.ask(self.month.currentData(), issue))

    def confirm_issue(self) -> None:
        answer = QMessageBox.question(
            self,
            "Émettre les factures",
            f"Émettre les factures de {self.month.currentText().lower()} ? Une facture émise "
            "reçoit son numéro définitif et ne se corrige ensuite que par un avoir.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.start(issue=True)

    async def ask(self, month: str, issue: bool) -> None:
        assert self.run is not None
        try:
            answer = await self.run(month, issue)
        except Exception as exc:  # refused or unreachable: said, nothing changed here
            self.status.setText(
                f"Le serveur n'a pas pu {'émettre' if issue else 'calculer'} : {exc}"
            )
        else:
            self.show_answer(answer)
        finally:
            self.preview_button.setEnabled(True)

    def show_answer(self, answer: dict[str, Any]) -> None:
        rows = answer["invoices"]
        self.model.reset(rows)
        net = sum(r["net_cents"] for r in rows)
        gross = sum(r["gross_cents"] for r in rows)
        flagged = sum(1 for r in rows if r["anomalies"])
        self.summary.setText(
            f"{len(rows)} facture(s) · total HT {format_euros(net, with_cents=True)} · "
            f"TTC {format_euros(gross, with_cents=True)} · {flagged} avec anomalie(s)"
        )
        issued = answer["issued"]
        self.status.setText(
            "Factures émises : elles arrivent sur les postes à la prochaine synchronisation."
            if issued
            else "Aperçu : aucune facture n'a de numéro. Corrigez les anomalies, puis émettez."
        )
        self.issue_button.setEnabled(not issued and bool(rows) and self.run is not None)
