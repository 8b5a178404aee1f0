"""The managers' invoice run screen: preview with anomalies, then issue after confirmation."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from ui.billing.invoice_run_dialog import InvoiceRunDialog

PREVIEW = {
    "month": "2026-11",
    "issued": False,
    "invoices": [
        {"provider_id": "a", "company_name": "Bains Durand", "invoice_id": "x", "number": None,
         "net_cents": 20000, "vat_cents": 4000, "gross_cents": 24000, "anomalies": []},
        {"provider_id": "b", "company_name": "Toits Réunion", "invoice_id": "y", "number": None,
         "net_cents": 8997, "vat_cents": 765, "gross_cents": 9762,
         "anomalies": ["SIREN manquant"]},
    ],
}  # fmt: skip


def _finish(step: Any) -> None:
    """The server's answer needs no real wait here: the coroutine ends on its first step."""
    with pytest.raises(StopIteration):
        step.send(None)


def test_preview_then_issue_after_confirmation(qtbot, qtmodeltester, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked: list[tuple[str, bool]] = []

    async def run(month: str, issue: bool) -> dict[str, Any]:
        asked.append((month, issue))
        if not issue:
            return PREVIEW
        issued = [dict(r, number=f"F2026-00000{i}") for i, r in enumerate(PREVIEW["invoices"], 1)]
        return {"month": month, "issued": True, "invoices": issued}

    dialog = InvoiceRunDialog(run, clock)
    qtbot.addWidget(dialog)
    assert dialog.month.currentData() == "2026-11"  # the clock is 1 December 2026
    assert dialog.month.currentText() == "Novembre 2026"
    assert not dialog.issue_button.isEnabled()
    _finish(dialog.ask(dialog.month.currentData(), False))
    assert dialog.model.rowCount() == 2
    assert dialog.model.index(0, 1).data() == "brouillon"
    assert dialog.model.index(1, 5).data() == "SIREN manquant"
    assert "2 facture(s)" in dialog.summary.text() and "1 avec anomalie(s)" in dialog.summary.text()
    assert "aucune facture n'a de numéro" in dialog.status.text()
    assert dialog.issue_button.isEnabled()
    qtmodeltester.check(dialog.model, force_py=True)

    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.No)
    dialog.confirm_issue()
    assert asked == [("2026-11", False)]  # said no: nothing issued
    _finish(dialog.ask("2026-11", True))
    assert dialog.model.index(0, 1).data() == "F2026-000001"
    assert not dialog.issue_button.isEnabled()
    assert "Factures émises" in dialog.status.text()


def test_a_refusal_is_said_and_nothing_is_shown(qtbot, clock) -> None:  # type: ignore[no-untyped-def]
    from sync.engine import ServerRefused

    async def run(month: str, issue: bool) -> dict[str, Any]:
        raise ServerRefused("Le mois n'est pas terminé : aperçu seulement.")

    dialog = InvoiceRunDialog(run, clock)
    qtbot.addWidget(dialog)
    _finish(dialog.ask("2026-12", True))
    assert "pas terminé" in dialog.status.text()
    assert dialog.model.rowCount() == 0


def test_offline_the_buttons_say_why(qtbot, clock) -> None:  # type: ignore[no-untyped-def]
    dialog = InvoiceRunDialog(None, clock)
    qtbot.addWidget(dialog)
    assert not dialog.preview_button.isEnabled()
    assert "serveur" in dialog.preview_button.toolTip()
