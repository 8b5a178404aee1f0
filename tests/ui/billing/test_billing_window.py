"""The back office's invoices and collection window: the invoice list with its filters, the PDF
inside the app and the Factur-X file, a payment typed wrong then right, the direct-debit file
from the server's answer, a reject that sends the invoice to dunning, reminders, and the
accounting export."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import facturx
import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QMessageBox

from app.billing.ledger import PaymentKind
from app.persistence.models import DebitBatch, Payment, SepaMandate
from tests.conftest import TUESDAY_11H_PARIS
from tests.contract_fixtures import add_issued_invoice
from tests.pdf_checks import fonts_not_embedded
from tests.ui.conftest import settle
from ui.billing.billing_window import BillingCalls, BillingWindow
from ui.core.context import AppContext


def _rows(view: Any) -> int:
    return view.model().rowCount()


def _text(view: Any, row: int, column: int) -> str:
    return view.model().index(row, column).data()


def _pick(view: Any, row: int) -> None:
    view.setCurrentIndex(view.model().index(row, 0))


def _finish(step: Any) -> Any:
    """The server's answer needs no real wait here: the coroutine ends on its first step."""
    with pytest.raises(StopIteration) as done:
        step.send(None)
    return done.value.value


@pytest.fixture
def books(workspace, provider):  # type: ignore[no-untyped-def]
    """An invoice overdue since 20 October, one due on 2 December, a debit of the first."""
    with workspace.sessions.begin() as session:
        old = add_issued_invoice(
            session, provider, 1, 12_000, date(2026, 10, 1), date(2026, 10, 20)
        )
        add_issued_invoice(session, provider, 2, 24_000, date(2026, 11, 2), date(2026, 12, 2))
        session.add(
            Payment(
                provider_id=provider,
                invoice_id=old,
                kind=PaymentKind.DIRECT_DEBIT,
                amount_cents=12_000,
                received_on=date(2026, 10, 26),
                end_to_end_id="F2026-000001-1",
                recorded_at=TUESDAY_11H_PARIS,
            )
        )
    return old


def _window(qtbot, workspace, rep, clock, calls: BillingCalls | None = None) -> BillingWindow:  # type: ignore[no-untyped-def]
    window = BillingWindow(
        AppContext(workspace, rep, clock, lambda _url: False), calls or BillingCalls()
    )
    qtbot.addWidget(window)
    window.show()
    settle(qtbot, window)
    return window


def test_the_invoice_list_filters_opens_the_pdf_and_saves_the_facturx(  # type: ignore[no-untyped-def]
    qtbot, workspace, rep, clock, books, tmp_path
) -> None:
    tab = _window(qtbot, workspace, rep, clock).invoices
    assert _rows(tab.table) == 2
    assert "reste dû 240,00" in tab.summary.text().replace("\u202f", " ").replace("\xa0", " ")
    tab.search.setText("000002")
    tab.search.returnPressed.emit()  # Entrée: no wait for the pause in typing
    settle(qtbot, tab)
    assert _rows(tab.table) == 1
    assert _text(tab.table, 0, 7) == "À échoir"
    tab.search.clear()
    tab.state.setCurrentIndex(tab.state.findData("paid"))
    qtbot.waitUntil(lambda: _rows(tab.table) == 1 and tab.search.text() == "")
    settle(qtbot, tab)
    assert _rows(tab.table) == 1  # the debited one
    assert _text(tab.table, 0, 7) == "Réglée"
    tab.select_number("F2026-000001")
    assert tab.open_pdf() is not None
    settle(qtbot, tab)
    viewer = tab.viewer
    assert viewer is not None and viewer.pages.count() == 1
    assert viewer.page_count.text().startswith("1 page(s)")
    viewer.set_zoom(4)
    assert "200 %" in viewer.page_count.text()
    path = tmp_path / "F2026-000001.pdf"
    assert tab.save_facturx(path) is not None
    settle(qtbot, tab)
    _name, xml = facturx.get_xml_from_pdf(path.read_bytes(), check_xsd=True)
    assert b"F2026-000001" in xml


def test_a_payment_typed_wrong_keeps_what_was_typed_then_pays(  # type: ignore[no-untyped-def]
    qtbot, workspace, rep, clock, books
) -> None:
    tab = _window(qtbot, workspace, rep, clock).invoices
    tab.select_number("F2026-000002")
    dialog = tab.record_payment()
    assert dialog is not None
    dialog.amount.setText("douze")
    dialog.reference.setText("VIR DURAND 2")
    dialog.submit()
    assert dialog.isVisible() and dialog.field_errors["amount"].isVisible()
    assert dialog.reference.text() == "VIR DURAND 2"
    dialog.amount.setText("250,00")
    dialog.submit()
    settle(qtbot, tab)
    assert dialog.isVisible() and "dépasse" in dialog.field_errors["amount"].text()
    assert dialog.reference.text() == "VIR DURAND 2"
    dialog.amount.setText("100")
    dialog.submit()
    settle(qtbot, tab)  # the write, then the list reading again on the change it announced
    assert not dialog.isVisible()
    tab.select_number("F2026-000002")
    row = tab.selected()
    assert row is not None and row.open_cents == 14_000
    assert tab.show_statement() is not None
    settle(qtbot, tab)
    statement = tab.statement
    assert statement is not None
    assert _rows(statement.table) == 4  # two invoices, the debit, the transfer
    assert "140,00" in statement.balance.text()


def test_the_debit_file_is_written_from_the_servers_answer(  # type: ignore[no-untyped-def]
    qtbot, workspace, rep, clock, books, tmp_path
) -> None:
    asked: list[str] = []

    async def debit_run(collection_date: str) -> dict[str, Any]:
        asked.append(collection_date)
        return {
            "batch_id": "b",
            "message_id": "PRLV-20261204-ABC",
            "collection_date": collection_date,
            "lines": [
                {
                    "end_to_end_id": "F2026-000002-1",
                    "amount_cents": 24_000,
                    "debtor_name": "Plomberie Martin",
                    "iban": "FR7630004000031234567890143",
                    "bic": None,
                    "rum": "RUM-MARTIN-1",
                    "mandate_signed_on": "2026-06-01",
                    "sequence_type": "FRST",
                    "description": "Facture F2026-000002",
                }
            ],
            "skipped": [
                {"number": "F2026-000009", "buyer_name": "Toits Réunion", "open_cents": 9_762,
                 "reason": "pas de mandat SEPA utilisable"},
            ],
        }  # fmt: skip

    tab = _window(qtbot, workspace, rep, clock, BillingCalls(debit_run=debit_run)).debits
    assert tab.collection_date.date().toString("dd/MM/yyyy") == "03/12/2026"
    path = tmp_path / "remise.xml"
    assert _finish(tab.ask(date(2026, 12, 4), path)) is not None
    settle(qtbot, tab)
    assert asked == ["2026-12-04"]
    xml = path.read_bytes()
    assert b"<MsgId>PRLV-20261204-ABC</MsgId>" in xml and b"<ReqdColltnDt>2026-12-04<" in xml
    assert b"<Id>FR72ZZZ123456</Id>" in xml  # our creditor identifier, from the settings
    assert "1 prélèvement(s)" in tab.status.text()
    assert _text(tab.skipped, 0, 3) == "pas de mandat SEPA utilisable"


def test_a_past_batch_file_is_saved_again(  # type: ignore[no-untyped-def]
    qtbot, workspace, rep, clock, books, provider, tmp_path
) -> None:
    with workspace.sessions.begin() as session:  # as the server's debit run synced them
        mandate = SepaMandate(
            provider_id=provider, rum="RUM-DURAND-1", debtor_name="Plomberie Durand",
            iban="FR7630004000031234567890143", kind="recurrent", signed_on=date(2026, 6, 1),
            last_collected_on=date(2026, 11, 4),
        )  # fmt: skip
        batch = DebitBatch(
            message_id="PRLV-20261104-ABC", collection_date=date(2026, 11, 4), count=1,
            total_cents=12_000,
        )  # fmt: skip
        session.add_all([mandate, batch])
        session.flush()
        session.add(
            Payment(
                provider_id=provider, invoice_id=books, kind=PaymentKind.DIRECT_DEBIT,
                amount_cents=12_000, received_on=date(2026, 11, 4), batch_id=batch.id,
                mandate_id=mandate.id, end_to_end_id="F2026-000001-2",
                recorded_at=TUESDAY_11H_PARIS,
            )
        )  # fmt: skip
    tab = _window(qtbot, workspace, rep, clock).debits
    assert _rows(tab.batches) == 1
    _pick(tab.batches, 0)
    path = tmp_path / "again.xml"
    assert tab.save_batch_file(path) is not None
    settle(qtbot, tab)
    xml = path.read_bytes()
    assert b"<MsgId>PRLV-20261104-ABC</MsgId>" in xml and b"<SeqTp>FRST</SeqTp>" in xml
    assert b"<EndToEndId>F2026-000001-2</EndToEndId>" in xml and b"RUM-DURAND-1" in xml


def test_a_refused_debit_run_is_said(qtbot, workspace, rep, clock, books) -> None:  # type: ignore[no-untyped-def]
    from sync.engine import ServerRefused

    async def debit_run(collection_date: str) -> dict[str, Any]:
        raise ServerRefused("Pas de prélèvement ce jour-là (week-end ou jour férié).")

    tab = _window(qtbot, workspace, rep, clock, BillingCalls(debit_run=debit_run)).debits
    assert _finish(tab.ask(date(2026, 12, 5))) is None
    assert "week-end" in tab.status.text()
    assert tab.prepare_button.isEnabled()


def test_a_rejected_debit_moves_the_invoice_into_dunning(  # type: ignore[no-untyped-def]
    qtbot, workspace, rep, clock, books
) -> None:
    window = _window(qtbot, workspace, rep, clock)
    assert _rows(window.dunning.overdue) == 0
    debits = window.debits
    window.tabs.setCurrentWidget(debits)
    assert _rows(debits.debits) == 1
    _pick(debits.debits, 0)
    dialog = debits.record_reject()
    assert dialog is not None
    dialog.submit()  # no reason chosen
    settle(qtbot, window)
    assert dialog.isVisible() and dialog.field_errors["reject_code"].isVisible()
    dialog.code.setCurrentIndex(dialog.code.findData("AM04"))
    dialog.submit()
    settle(qtbot, window)
    assert not dialog.isVisible()
    assert _text(debits.debits, 0, 5) == "rejeté (AM04)"
    dunning = window.dunning
    # Hidden, the dunning tab did not read the reject yet; showing it reads it again.
    assert _rows(dunning.overdue) == 0 and dunning.seen.stale
    window.tabs.setCurrentWidget(window.dunning)
    settle(qtbot, window)
    assert _rows(dunning.overdue) == 1
    row = [_text(dunning.overdue, 0, column) for column in range(10)]
    assert row[0] == "F2026-000001 (rejet)" and row[3] == "42 j"
    assert row[6].startswith("40,00")
    assert row[9] == "04/12/2026"  # 45 days after the due date
    assert _text(dunning.aged, 0, 3).startswith("120,00")  # 31 to 60 days late
    assert _text(dunning.aged, 0, 1).startswith("240,00")  # not yet due
    _pick(dunning.overdue, 0)
    assert "relance amiable" in dunning.remind_button.text()
    assert dunning.record_reminder() is not None
    settle(qtbot, window)
    letter = dunning.letter
    assert letter is not None and letter.windowTitle() == "Relance amiable — facture F2026-000001"
    settle(qtbot, window)  # the reminder announced: the tab in view reads it again
    assert "Relance amiable" in _text(dunning.overdue, 0, 7)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.pdf)).pages)
    assert fonts_not_embedded(letter.pdf) == set()
    for expected in ("F2026-000001", "120,00", "Indemnité forfaitaire", "40,00", "L441-10"):
        assert expected in text.replace("\xa0", " "), expected
    final = None
    for _ in range(2):
        _pick(dunning.overdue, 0)
        dunning.record_reminder()
        settle(qtbot, window)
        final = dunning.letter
        settle(qtbot, window)
    assert final is not None and "Mise en demeure" in "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(final.pdf)).pages
    )
    assert not dunning.remind_button.isEnabled() or dunning.selected() is None


def test_the_accounting_export_balances(qtbot, workspace, rep, clock, books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tab = _window(qtbot, workspace, rep, clock).export
    tab.month.setCurrentIndex(tab.month.findText("Octobre 2026"))
    settle(qtbot, tab)
    assert "équilibré" in tab.summary.text()
    path = tmp_path / "journal.csv"
    assert tab.export(path) is not None
    settle(qtbot, tab)
    text = path.read_text(encoding="utf-8-sig")
    assert "01/10/2026;VE;411000;" in text
    assert "26/10/2026;BQ;512000;;F2026-000001;Prélèvement SEPA" in text


def test_a_credit_note_goes_through_the_server(  # type: ignore[no-untyped-def]
    qtbot, workspace, rep, clock, books, monkeypatch
) -> None:
    asked: list[tuple[str, str, int | None]] = []

    async def credit_note(invoice_id: str, reason: str, net_cents: int | None) -> dict[str, Any]:
        asked.append((invoice_id, reason, net_cents))
        return {"id": "n", "number": "F2026-000003", "gross_cents": -2_400}

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: said.append(text))
    tab = _window(qtbot, workspace, rep, clock, BillingCalls(credit_note=credit_note)).invoices
    tab.select_number("F2026-000002")
    row = tab.selected()
    assert row is not None and tab.credit_button.isEnabled()
    dialog = tab.ask_credit_note()
    assert dialog is not None
    dialog.whole.setCurrentIndex(1)  # a partial credit note
    dialog.amount.setText("250")  # more than the invoice's 200.00 excl. VAT
    dialog.submit()
    assert dialog.isVisible()
    assert "200,00" in dialog.field_errors["net_cents"].text()
    assert dialog.field_errors["reason"].isVisible()
    dialog.amount.setText("20")
    dialog.reason.setText("Geste commercial")
    # What "Émettre l'avoir" hands to the server call (run here without an event loop).
    assert dialog.save() == ("Geste commercial", 2_000)
    _finish(tab.make_credit_note(row, *dialog.save()))
    assert asked == [(str(row.invoice_id), "Geste commercial", 2_000)]
    assert "F2026-000003" in said[0]


def test_offline_the_server_commands_say_why(qtbot, workspace, rep, clock, books) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, workspace, rep, clock)
    assert not window.debits.prepare_button.isEnabled()
    assert "serveur" in window.debits.prepare_button.toolTip()
    window.invoices.select_number("F2026-000002")
    assert not window.invoices.credit_button.isEnabled()


def test_settings_file_can_change_the_dunning_calendar(tmp_path: Path) -> None:
    from app.settings import InvalidSettings, load_settings

    path = tmp_path / "settings.toml"
    path.write_text("[dunning]\nreminder_days = [10, 20]\nlate_penalty_percent = 11.5\n")
    settings = load_settings(path)
    assert settings.dunning.reminder_days == (10, 20)
    assert str(settings.dunning.late_penalty_percent) == "11.5"
    path.write_text("[dunning]\nreminder_days = [20, 10]\n")
    with pytest.raises(InvalidSettings, match="croissants"):
        load_settings(path)


def test_the_providers_payments_tab_records_a_mandate_and_a_payment(  # type: ignore[no-untyped-def]
    qtbot, workspace, rep, clock, books, provider
) -> None:
    from ui.billing.provider_payments import ProviderPayments

    context = AppContext(workspace, rep, clock, lambda _url: False)
    tab = ProviderPayments(context, provider, "Plomberie Martin")
    qtbot.addWidget(tab)
    tab.show()
    settle(qtbot, tab)
    assert tab.balance.text().startswith("Reste dû : 240,00")
    dialog = tab.add_mandate()
    dialog.rum.setText("RUM-MARTIN-1")
    dialog.iban.setText("FR76 3000 4000 0312 3456 7890 144")  # wrong check digits
    dialog.submit()
    settle(qtbot, tab)
    assert dialog.isVisible() and "IBAN" in dialog.field_errors["iban"].text()
    assert dialog.rum.text() == "RUM-MARTIN-1"
    dialog.iban.setText("FR76 3000 4000 0312 3456 7890 143")
    dialog.submit()
    settle(qtbot, tab)
    assert not dialog.isVisible()
    settle(qtbot, tab)  # the mandate announced: the tab reads it again
    assert _text(tab.mandates, 0, 2) == "FR7630004000031234567890143"
    assert _text(tab.mandates, 0, 6).startswith("valide")
    _pick(tab.mandates, 0)
    assert tab.revoke_mandate() is not None
    settle(qtbot, tab)
    assert _text(tab.mandates, 0, 6) == "mandat révoqué"
    payment = tab.record_payment()
    assert payment is not None
    payment.amount.setText("240")
    payment.submit()
    settle(qtbot, tab)
    assert tab.balance.text().startswith("Reste dû : 0,00")
    tab.show_statement()
    settle(qtbot, tab)
    assert tab.statement is not None
    assert tab.statement.balance.text().startswith("Solde dû : 0,00")
