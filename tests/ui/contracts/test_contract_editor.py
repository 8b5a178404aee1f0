"""The contract editor and the provider's account, driven like a rep would (pytest-qt)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from sqlalchemy import func, select

from app.domain.contracts import ContractStatus, RequestKind, RequestState
from app.domain.disputes import DisputeReason
from app.persistence.models import (
    Contract,
    ContractRequest,
    ContractVersion,
    Lead,
    LeadDispute,
    LeadSale,
)
from app.services.billing.disputes import DisputeService
from app.services.contracts.contracts import ContractService
from tests.conftest import submit_lead
from tests.contract_fixtures import category_id
from tests.pdf_checks import fonts_not_embedded
from tests.ui.conftest import settle
from ui.contracts.contract_editor import ContractEditor
from ui.contracts.coverage_editor import Catalogue
from ui.core.context import AppContext


@pytest.fixture
def context(workspace, rep, clock) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    context = AppContext(workspace, rep, clock, lambda _url: False)
    yield context
    context.close()


def _editor(qtbot, context, provider) -> ContractEditor:  # type: ignore[no-untyped-def]
    editor = ContractEditor(context, Catalogue.for_context(context), provider, "Plomberie Martin")
    qtbot.addWidget(editor)
    settle(qtbot, editor)
    return editor


def _click(qtbot, editor: ContractEditor, key: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(editor.buttons[key], Qt.MouseButton.LeftButton)
    settle(qtbot, editor)


def _check_category(editor: ContractEditor, name: str) -> None:
    tree = editor.categories.tree
    for i in range(tree.topLevelItemCount()):
        sector = tree.topLevelItem(i)
        for j in range(sector.childCount()):
            if sector.child(j).text(0) == name:
                sector.child(j).setCheckState(0, Qt.CheckState.Checked)
                return
    raise AssertionError(name)


def test_a_rep_writes_a_contract_signs_it_and_asks_for_activation(
    qtbot, workspace, context, provider, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, context, provider)
    assert "Nouveau contrat" in editor.header.text()
    editor.categories.search.setText("bains")
    _check_category(editor, "Salle de bains")
    assert editor.price_grid.rowCount() == 1
    assert editor.price_grid.item(0, 1).text().startswith("12,00")  # the floor
    editor.set_price(editor.price_grid.item(0, 0).data(Qt.ItemDataRole.UserRole), "9,50")
    editor.zones.map.toggled.emit("75", True)
    editor.cap_leads.setValue(30)
    assert "30 leads/mois" in editor.totals.text()
    _click(qtbot, editor, "save")
    assert "plancher" in editor.error.text()
    assert editor.price_grid.item(0, 2).text() == "9,50"  # what was typed stays
    with workspace.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ContractVersion)) == 0

    editor.set_price(editor.price_grid.item(0, 0).data(Qt.ItemDataRole.UserRole), "28")
    editor.cap_euros.setText("mille")
    _click(qtbot, editor, "save")
    assert "illisible" in editor.conditions.error_text("cap_cents")
    editor.cap_euros.setText("1 000")
    _click(qtbot, editor, "save")
    assert editor.error.isHidden(), editor.error.text()
    assert "version 1" in editor.header.text() and "Brouillon" in editor.header.text()
    assert "montant mensuel maximal 840" in editor.totals.text()  # 30 leads × 28 €, under 1,000 €

    _click(qtbot, editor, "sent")
    assert not editor.buttons["save"].isEnabled()
    _click(qtbot, editor, "signed")
    assert "Signé" in editor.header.text()
    assert not editor.categories.isEnabled()  # frozen: only an amendment changes it
    _click(qtbot, editor, "activate")
    assert "En attente du serveur" in editor.request_state.text()
    assert not editor.buttons["activate"].isEnabled()

    assert editor.generate_pdf(tmp_path / "contrat.pdf") is not None
    settle(qtbot, editor)
    pdf = tmp_path / "contrat.pdf"
    assert f"PDF enregistré : {pdf}" in editor.request_state.text()
    assert fonts_not_embedded(pdf) == set()
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    for expected in (
        "Contrat de fourniture de demandes de devis",
        "Plomberie Martin",
        "Mise en Relation Travaux SAS",
        "RCS Paris 552 100 554",
        "Salle de bains",
        "28,00",
        "75 – Paris",
        "Partagé, 3 prestataires au plus",
        "Article 5 – Contestation",
        "40 euros",
        "Lu et approuvé",
    ):
        assert expected in text, expected
    assert "■" not in text

    # The server's answer arrives with a sync: the editor shows it on its own.
    with workspace.sessions.begin() as session:
        session.scalars(select(ContractRequest)).one().state = RequestState.DONE
        session.scalars(select(ContractVersion)).one().status = ContractStatus.ACTIVE
        session.scalars(select(Contract)).one().reference = "CT-000001"
    qtbot.waitUntil(lambda: "CT-000001" in editor.header.text(), timeout=5000)
    assert "Acceptée" in editor.request_state.text()
    steps = [
        editor.events.topLevelItem(i).text(2) for i in range(editor.events.topLevelItemCount())
    ]
    assert "Demande : Activation – Acceptée" in steps
    assert editor.buttons["suspend"].isEnabled() and editor.buttons["amend"].isEnabled()

    _click(qtbot, editor, "amend")
    assert "Avenant" in editor.header.text()
    editor.set_price(editor.price_grid.item(0, 0).data(Qt.ItemDataRole.UserRole), "31")
    _click(qtbot, editor, "save")
    assert "version 2" in editor.header.text(), editor.error.text()
    assert editor.version_list.topLevelItemCount() == 2
    changes = {
        editor.diff.topLevelItem(i).text(0): editor.diff.topLevelItem(i).text(2)
        for i in range(editor.diff.topLevelItemCount())
    }
    assert changes["Prix « Salle de bains »"].startswith("31,00")
    assert "Début" in changes
    assert editor.generate_pdf(tmp_path / "avenant.pdf") is not None
    settle(qtbot, editor)
    amendment = tmp_path / "avenant.pdf"
    text = "".join(page.extract_text() for page in PdfReader(amendment).pages)
    assert "Objet de l'avenant n° 1" in text and "version 2 (avenant)" in text
    assert "28,00" in text and "31,00" in text  # before and after, in the changes table


def test_the_contracts_tab_lists_contracts_and_the_disputes_to_decide(
    qtbot, workspace, context, clock, rep, provider, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from tests.contract_fixtures import terms
    from ui.contracts.contracts_overview import ContractsOverview

    service = ContractService(workspace.sessions, clock, rep)
    with workspace.sessions() as session:
        category = category_id(session)
    version_id = service.create(provider, terms(category, cap_leads=25))
    service.move(version_id, ContractStatus.SENT)
    service.move(version_id, ContractStatus.SIGNED)
    service.request(version_id, RequestKind.ACTIVATE)
    with workspace.sessions.begin() as session:
        contract_id = session.get(ContractVersion, version_id).contract_id
    lead_id = submit_lead(workspace)
    with workspace.sessions.begin() as session:
        sale = LeadSale(
            lead_id=lead_id,
            provider_id=provider,
            contract_id=contract_id,
            version_id=version_id,
            category_id=category,
            lead_number=session.get(Lead, lead_id).number,
            lead_postcode="75011",
            lead_city="Paris",
            sold_at=clock() - timedelta(hours=2),
            price_cents=2500,
            sharing_level=3,
            rank=1,
        )
        session.add(sale)
        session.flush()
        sale_id = sale.id
    DisputeService(workspace.sessions, clock, rep).file(sale_id, DisputeReason.DUPLICATE, "")
    opened: list = []
    tab = ContractsOverview(context, opened.append)
    qtbot.addWidget(tab)
    settle(qtbot, tab)  # it reads its lists itself, no refresh() from its window
    model = tab.contracts_model
    cells = [model.index(0, column).data() for column in range(model.columnCount())]
    assert cells[0] == "Plomberie Martin" and cells[2] == "Signé"
    assert cells[5] == "1 / 25" and "Activation : En attente du serveur" in cells[6]
    tab.contracts.setCurrentIndex(model.index(0, 0))
    assert tab.selected_provider() == provider
    tab.contracts.setFocus()
    qtbot.keyClick(tab.contracts, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: opened == [provider])
    assert tab.disputes_title.text() == "Contestations à examiner (1)"
    tab.open_disputes.setCurrentIndex(tab.disputes_model.index(0, 0))

    def reason_asked_while_a_sync_refreshes(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        tab.refresh()  # a sync brings rows while the reason is asked
        settle(qtbot, tab)
        return "Le consommateur a répondu au second appel", True

    monkeypatch.setattr(QInputDialog, "getText", reason_asked_while_a_sync_refreshes)
    assert tab.decide(False) is not None
    settle(qtbot, tab)  # the decision announces "lead_disputes": the tab reads them again
    assert tab.disputes_title.text() == "Contestations à examiner (0)"
    assert tab.disputes_model.rowCount() == 0
    with workspace.sessions() as session:
        assert session.scalar(select(LeadDispute.status)) == "refused"
