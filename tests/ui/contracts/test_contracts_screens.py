"""The contracts screens off the UI thread (issue 15): the contracts tab's models, screens that
refresh on a change announced elsewhere, the simulation computed in the background for a local
and a server source, PDFs written on a worker thread."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from app.clock import paris_today
from app.demand.forecast import DemandHistory, history_months
from app.domain.contracts import ContractStatus
from app.domain.disputes import DisputeReason, DisputeStatus
from app.services.contracts.contract_queries import (
    ContractOverviewRow,
    DisputeRow,
    OpenDispute,
    VersionRow,
)
from app.services.contracts.contracts import ContractService
from app.services.demand_history import DemandSelection
from app.services.providers.provider_queries import category_catalogue
from tests.contract_fixtures import category_id, terms
from tests.ui.conftest import settle
from ui.contracts.contract_editor import ContractEditor
from ui.contracts.contracts_overview import (
    ContractColumn,
    ContractsOverview,
    contracts_model,
    disputes_model,
)
from ui.contracts.coverage_editor import Catalogue
from ui.contracts.rows_model import PAGE, PROVIDER_ROLE
from ui.contracts.simulation_dialog import SimulationDialog
from ui.core.changes import Changes
from ui.core.context import AppContext


@pytest.fixture
def context(workspace, rep, clock) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    context = AppContext(workspace, rep, clock, lambda _url: False)
    yield context
    context.close()


def _overview_row(n: int) -> ContractOverviewRow:
    version = VersionRow(
        uuid.uuid4(),
        f"CT-{n:06d}",
        uuid.uuid4(),
        1,
        ContractStatus.ACTIVE,
        date(2026, 1, 1 + n % 28),
        None,
        None,
        None,
    )
    return ContractOverviewRow(uuid.uuid4(), f"Prestataire {n:03d}", version, n % 37, 40)


def test_the_contracts_model_loads_in_pages_sorts_and_passes_the_model_tester(
    qtmodeltester,
) -> None:  # type: ignore[no-untyped-def]
    model = contracts_model()
    rows = [_overview_row(n) for n in range(2 * PAGE + 50)]
    model.set_rows(rows)
    assert model.rowCount() == PAGE and model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == len(rows) and not model.canFetchMore()
    assert model.index(0, ContractColumn.LEADS).data() == "0 / 40"
    assert model.index(0, 0).data(PROVIDER_ROLE) == rows[0].provider_id
    model.sort(ContractColumn.LEADS, Qt.SortOrder.DescendingOrder)
    assert model.index(0, ContractColumn.LEADS).data() == "36 / 40"
    model.sort(ContractColumn.STARTS)
    assert model.index(0, ContractColumn.STARTS).data() == "01/01/2026"
    qtmodeltester.check(model)


def test_the_disputes_model_passes_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = disputes_model()
    model.set_rows(
        [
            OpenDispute(
                DisputeRow(
                    uuid.uuid4(),
                    uuid.uuid4(),
                    1000 + n,
                    datetime(2026, 11, 20 + n, 9, tzinfo=UTC),
                    DisputeReason.DUPLICATE,
                    "",
                    DisputeStatus.OPEN,
                    "",
                    2500,
                ),
                uuid.uuid4(),
                "Plomberie Martin",
            )
            for n in range(3)
        ]
    )
    assert model.rowCount() == 3 and model.index(2, 2).data() == "n° 1002"
    qtmodeltester.check(model)


def test_the_contracts_tab_refreshes_on_a_change_announced_elsewhere(
    qtbot, workspace, context, clock, rep, provider
) -> None:  # type: ignore[no-untyped-def]
    tab = ContractsOverview(context, lambda _provider: None)
    qtbot.addWidget(tab)
    settle(qtbot, tab)
    assert tab.contracts_model.rowCount() == 0
    with workspace.sessions() as session:
        category = category_id(session)
    version_id = ContractService(workspace.sessions, clock, rep).create(provider, terms(category))
    # Another window (or a sync) wrote it and says so: no one calls the tab's refresh().
    context.changes.announce(Changes.of("contract_versions", version_id))
    settle(qtbot, tab)
    assert tab.contracts_model.rowCount() == 1
    assert tab.contracts_model.index(0, ContractColumn.STATUS).data() == "Brouillon"


def test_the_editor_shows_a_step_recorded_elsewhere(
    qtbot, workspace, context, clock, rep, provider
) -> None:  # type: ignore[no-untyped-def]
    with workspace.sessions() as session:
        category = category_id(session)
    service = ContractService(workspace.sessions, clock, rep)
    version_id = service.create(provider, terms(category))
    catalogue = Catalogue.for_context(context)
    editor = ContractEditor(context, catalogue, provider, "Plomberie Martin")
    qtbot.addWidget(editor)
    settle(qtbot, editor)
    assert "Brouillon" in editor.header.text()
    assert catalogue.choices == category_catalogue(workspace.sessions)
    assert editor.price_grid.rowCount() == 1  # the contract's category, once it arrived
    service.move(version_id, ContractStatus.SENT)
    context.changes.announce(Changes.of("contract_versions", version_id))
    settle(qtbot, editor)
    assert "Envoyé au prestataire" in editor.header.text()
    assert editor.buttons["signed"].isEnabled() and not editor.buttons["save"].isEnabled()


def test_a_refused_step_keeps_the_form_and_says_why(
    qtbot, workspace, context, clock, rep, provider
) -> None:  # type: ignore[no-untyped-def]
    with workspace.sessions() as session:
        category = category_id(session)
    ContractService(workspace.sessions, clock, rep).create(provider, terms(category))
    editor = ContractEditor(context, Catalogue.for_context(context), provider, "Martin")
    qtbot.addWidget(editor)
    settle(qtbot, editor)
    editor.cap_leads.setValue(5)
    editor.package_fee.setText("100")
    editor.package_leads.setValue(10)  # more than the cap: refused by the service
    qtbot.mouseClick(editor.buttons["sent"], Qt.MouseButton.LeftButton)
    settle(qtbot, editor)
    assert "plafond" in editor.conditions.error_text("package")
    assert editor.cap_leads.value() == 5 and editor.package_leads.value() == 10
    assert "Brouillon" in editor.header.text()
    assert editor.buttons["sent"].isEnabled()


# -- the simulation ---------------------------------------------------------------------------


def _history(today: date) -> DemandHistory:
    months = history_months(today, 24)
    counts = tuple(80 + 20 * (m.month in (3, 4, 5, 9, 10)) for m in months)
    return DemandHistory(months, counts, tuple(c * 20 for c in counts), 200, 130, 5000, 3000, 1)


def _simulation(qtbot, context, **kwargs) -> SimulationDialog:  # type: ignore[no-untyped-def]
    choices = category_catalogue(context.workspace.sessions)
    dialog = SimulationDialog(
        context,
        Catalogue(lambda: choices),
        prospect_name="Plomberie Martin",
        preset_categories=[choices[0].id],
        **kwargs,
    )
    qtbot.addWidget(dialog)
    dialog.departements.setText("75, 92")
    return dialog


def test_the_simulation_is_computed_in_the_background_then_exported(
    qtbot, context, clock, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    asked: list[DemandSelection] = []

    def local(selection: DemandSelection) -> DemandHistory:
        asked.append(selection)
        return _history(paris_today(clock()))

    dialog = _simulation(qtbot, context, source=local)
    dialog.compute()
    assert not dialog.compute_button.isEnabled()  # until the result arrives
    settle(qtbot, dialog)
    assert dialog.result is not None, dialog.error.text()
    assert asked[0].departements == ("75", "92")
    assert dialog.table.rowCount() == 12 and dialog.compute_button.isEnabled()
    assert dialog.export_pdf(tmp_path / "simulation.pdf") is not None
    settle(qtbot, dialog)
    text = " ".join(p.extract_text() for p in PdfReader(tmp_path / "simulation.pdf").pages)
    assert "Plomberie Martin" in text and "75 – Paris" in text
    assert "PDF enregistré" in dialog.summary.text()


def test_the_simulation_from_the_server_is_awaited_then_computed(qtbot, context, clock) -> None:  # type: ignore[no-untyped-def]
    async def server(_selection: DemandSelection) -> DemandHistory:
        return _history(paris_today(clock()))

    dialog = _simulation(qtbot, context, source=server)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        dialog.compute()
        assert "Calcul en cours (serveur)" in dialog.summary.text()
        assert dialog._task is not None
        loop.run_until_complete(dialog._task)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    settle(qtbot, dialog)
    assert dialog.result is not None, dialog.error.text()
    assert "demandes par mois" in dialog.summary.text()


def test_the_simulation_on_the_workspace_without_leads_says_so(qtbot, context) -> None:  # type: ignore[no-untyped-def]
    dialog = _simulation(qtbot, context)  # the workspace's own leads, read on a worker
    dialog.compute()
    settle(qtbot, dialog)
    assert dialog.result is None
    assert "Aucune demande" in dialog.error.text()
    assert not dialog.pdf_button.isEnabled() and dialog.compute_button.isEnabled()


def test_unknown_departements_keep_what_was_typed(qtbot, context) -> None:  # type: ignore[no-untyped-def]
    dialog = _simulation(qtbot, context)
    dialog.departements.setText("75, 999")
    dialog.compute()
    assert "999" in dialog.form.error_text("departements")
    assert dialog.departements.text() == "75, 999"


def test_the_editor_keeps_its_geometry_and_offers_the_workspace_folder_for_pdfs(
    qtbot, workspace, context, clock, rep, provider, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with workspace.sessions() as session:
        category = category_id(session)
    ContractService(workspace.sessions, clock, rep).create(provider, terms(category))
    context.remembered.settings.remove("folders/contracts/pdf")  # a first PDF on this account
    editor = ContractEditor(context, Catalogue.for_context(context), provider, "Martin")
    qtbot.addWidget(editor)
    settle(qtbot, editor)
    editor.show()
    editor.close()
    assert context.remembered.settings.value("contracts/editor/geometry") is not None
    assert editor.generate_pdf(tmp_path / "contrat.pdf") is not None
    settle(qtbot, editor)
    assert (tmp_path / "contrat.pdf").read_bytes().startswith(b"%PDF")
    # Before any PDF was saved by hand, the save dialog opens in the workspace's folder.
    assert context.remembered.last_folder("contracts/pdf") == str(workspace.path.parent)
