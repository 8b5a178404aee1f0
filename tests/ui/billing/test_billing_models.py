"""The billing lists as table models: each passes Qt's model checks, the invoice list reads
a page at a time as it is scrolled, its search runs once typing pauses, and every list reads
again when a change is announced (a write elsewhere, rows a sync brought), with no refresh()
called by anyone."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.billing.ledger import PaymentKind
from app.persistence.models import Payment, SepaMandate
from tests.conftest import TUESDAY_11H_PARIS
from tests.contract_fixtures import add_issued_invoice
from tests.ui.conftest import settle
from ui.billing import invoice_list_tab
from ui.billing.billing_window import BillingCalls, BillingWindow
from ui.billing.rows_model import Column, RowsModel
from ui.core.changes import Changes
from ui.core.context import AppContext


def _context(workspace, rep, clock) -> AppContext:  # type: ignore[no-untyped-def]
    return AppContext(workspace, rep, clock, lambda _url: False)


def _window(qtbot, context: AppContext) -> BillingWindow:  # type: ignore[no-untyped-def]
    window = BillingWindow(context, BillingCalls())
    qtbot.addWidget(window)
    window.show()
    settle(qtbot, window)
    return window


def _invoices(workspace, provider, count: int) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
    with workspace.sessions.begin() as session:
        return [
            add_issued_invoice(
                session, provider, number, 1_200 * number, date(2026, 10, 1), date(2026, 10, 20)
            )
            for number in range(1, count + 1)
        ]


def _pay(workspace, provider, invoice_id: uuid.UUID, cents: int) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with workspace.sessions.begin() as session:
        payment = Payment(
            provider_id=provider,
            invoice_id=invoice_id,
            kind=PaymentKind.DIRECT_DEBIT,
            amount_cents=cents,
            received_on=date(2026, 10, 26),
            end_to_end_id=f"E2E-{cents}",
            recorded_at=TUESDAY_11H_PARIS,
        )
        session.add(payment)
        session.flush()
        return payment.id


def test_every_billing_model_passes_the_model_checks(  # type: ignore[no-untyped-def]
    qtbot, qtmodeltester, workspace, rep, clock, provider
) -> None:
    from ui.billing.provider_payments import ProviderPayments

    first, _second = _invoices(workspace, provider, 2)
    _pay(workspace, provider, first, 1_200)
    with workspace.sessions.begin() as session:
        session.add(
            SepaMandate(
                provider_id=provider, rum="RUM-1", debtor_name="Plomberie Martin",
                iban="FR7630004000031234567890143", kind="recurrent", signed_on=date(2026, 6, 1),
            )
        )  # fmt: skip
    context = _context(workspace, rep, clock)
    window = _window(qtbot, context)
    window.export.month.setCurrentIndex(window.export.month.findText("Octobre 2026"))
    window.debits.show_skipped(
        [{"number": "F2026-000009", "buyer_name": "Toits", "open_cents": 1, "reason": "x"}]
    )
    payments = ProviderPayments(context, provider, "Plomberie Martin")
    qtbot.addWidget(payments)
    window.invoices.select_number("F2026-000001")
    window.invoices.show_statement()
    payments.show_statement()
    settle(qtbot, window)
    models = {
        "invoices": window.invoices.model,
        "batches": window.debits.batch_model,
        "debits": window.debits.debit_model,
        "skipped": window.debits.skipped_model,
        "aged": window.dunning.aged_model,
        "overdue": window.dunning.overdue_model,
        "journal": window.export.model,
        "open invoices": payments.invoice_model,
        "mandates": payments.mandate_model,
        "statement": window.invoices.statement.model,  # type: ignore[union-attr]
    }
    for name, model in models.items():
        if name not in ("batches", "skipped"):  # no batch in these books; skipped is set
            assert model.rowCount() > 0, name
        qtmodeltester.check(model, force_py=True)
    assert models["skipped"].rowCount() == 1
    aged = window.dunning.aged_model
    assert aged.index(aged.rowCount() - 1, 0).data() == "Total"
    assert aged.index(aged.rowCount() - 1, 0).data(Qt.ItemDataRole.FontRole).bold()


def test_the_invoice_list_reads_a_page_at_a_time_as_it_is_scrolled(  # type: ignore[no-untyped-def]
    qtbot, qtmodeltester, workspace, rep, clock, provider, monkeypatch
) -> None:
    from app.services.billing.collection_queries import CollectionQueries

    monkeypatch.setattr(invoice_list_tab, "PAGE", 3)
    read: list[str | None] = []
    original = CollectionQueries.invoices

    def counted(self: Any, wanted: Any, today: Any, limit: int = 2000, before: Any = None) -> Any:
        read.append(before)
        rows = original(self, wanted, today, limit, before)
        assert len(rows) <= 3
        return rows

    monkeypatch.setattr(CollectionQueries, "invoices", counted)
    _invoices(workspace, provider, 7)
    tab = _window(qtbot, _context(workspace, rep, clock)).invoices
    model = tab.model
    assert tab.summary.text().startswith("7 document(s)")  # the whole filter, not a page
    while model.canFetchMore():  # scrolled to the end (the view asks too, while it has room)
        model.fetchMore()
        settle(qtbot, tab)
    # Each page starts below the last number read: the number's index, no offset.
    assert read == [None, "F2026-000005", "F2026-000002"]
    numbers = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert numbers == [f"F2026-{n:06d}" for n in range(7, 0, -1)]
    qtmodeltester.check(model, force_py=True)
    tab.select_number("F2026-000001")
    assert tab.selected() is not None and tab.selected().number == "F2026-000001"  # type: ignore[union-attr]


def test_the_search_reads_once_typing_pauses(  # type: ignore[no-untyped-def]
    qtbot, workspace, rep, clock, provider
) -> None:
    _invoices(workspace, provider, 3)
    tab = _window(qtbot, _context(workspace, rep, clock)).invoices
    asked: list[str] = []
    original = tab.queries.invoices

    def counted(wanted: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(wanted.text)
        return original(wanted, *args, **kwargs)

    tab.queries.invoices = counted  # type: ignore[method-assign]
    for typed in ("0", "00", "000", "0000", "00002"):
        tab.search.setText(typed)  # keystrokes: no reading yet
    assert asked == [] and tab.model.rowCount() == 3
    qtbot.waitUntil(lambda: asked != [])
    settle(qtbot, tab)
    assert asked == ["00002"]
    assert [tab.model.index(r, 0).data() for r in range(tab.model.rowCount())] == ["F2026-000002"]


def test_an_announced_change_reads_the_tab_in_view_and_the_others_when_shown(  # type: ignore[no-untyped-def]
    qtbot, workspace, rep, clock, provider
) -> None:
    first, _second = _invoices(workspace, provider, 2)
    context = _context(workspace, rep, clock)
    window = _window(qtbot, context)
    invoices, dunning = window.invoices, window.dunning
    window.invoices.select_number("F2026-000001")
    assert invoices.selected().open_cents == 1_200  # type: ignore[union-attr]
    assert dunning.overdue_model.rowCount() == 2
    payment = _pay(workspace, provider, first, 1_200)  # as a sync would write it
    context.changes.announce(Changes.of("payments", payment))
    settle(qtbot, window)
    assert invoices.selected() is not None  # the selection is kept
    assert invoices.selected().open_cents == 0  # type: ignore[union-attr]
    assert dunning.overdue_model.rowCount() == 2 and dunning.seen.stale  # hidden: not yet
    window.tabs.setCurrentWidget(dunning)
    settle(qtbot, window)
    assert dunning.overdue_model.rowCount() == 1 and not dunning.seen.stale
    context.changes.announce(Changes.of("call_attempts"))  # not what billing shows
    assert context.operations.idle


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_a_sorted_model_keeps_its_sort_when_a_page_arrives(qtmodeltester, order) -> None:  # type: ignore[no-untyped-def]
    model: RowsModel[int] = RowsModel(
        (Column("n", str, lambda n: n), Column("parity", lambda n: "odd" if n % 2 else "even")),
        page=2,
    )
    model.reset([5, 1, 4], more=lambda: None)
    model.sort(0, order)
    assert model.rowCount() == 2 and model.canFetchMore()
    model.fetchMore()  # the third row, already read
    model.fetchMore()  # asks the loader
    assert not model.canFetchMore()  # one reading at a time
    model.append([3, 2])
    expected = sorted([1, 2, 3, 4, 5], reverse=order == Qt.SortOrder.DescendingOrder)
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == list(map(str, expected))
    assert model.complete and not model.canFetchMore()
    qtmodeltester.check(model, force_py=True)


def test_the_window_its_columns_and_the_save_folder_are_remembered(  # type: ignore[no-untyped-def]
    qtbot, workspace, rep, clock, provider, tmp_path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    _invoices(workspace, provider, 1)
    context = _context(workspace, rep, clock)
    window = _window(qtbot, context)
    window.resize(700, 450)  # within the offscreen screen (800 × 600)
    size = window.size()
    assert size.width() == 700  # not the window's first size
    window.invoices.table.header().resizeSection(1, 333)
    window.invoices.select_number("F2026-000001")
    folder = tmp_path / "factures"
    folder.mkdir()
    offered: list[str] = []

    def chosen(_parent: Any, _title: str, start: str, _filter: str) -> tuple[str, str]:
        offered.append(start)
        return str(folder / "F2026-000001.pdf"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", chosen)
    window.invoices.save_facturx()
    settle(qtbot, window)
    assert (folder / "F2026-000001.pdf").stat().st_size > 0
    window.close()

    again = _window(qtbot, _context(workspace, rep, clock))
    assert again.size() == size
    assert again.invoices.table.header().sectionSize(1) == 333
    again.invoices.select_number("F2026-000001")
    again.invoices.save_facturx()
    settle(qtbot, again)
    assert offered[1] == str(folder / "F2026-000001.pdf")  # the folder used last time
