"""The contract editor and the provider's account, driven like a rep would (pytest-qt)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox, QPushButton
from sqlalchemy import func, select

from app.domain.contracts import ContractStatus, RequestKind, RequestState
from app.domain.disputes import DisputeReason
from app.persistence.models import (
    Contract,
    ContractRequest,
    ContractVersion,
    Invoice,
    InvoiceLine,
    Lead,
    LeadDispute,
    LeadSale,
)
from app.services.billing.disputes import DisputeService
from app.services.contracts.contract_queries import ContractQueries
from app.services.contracts.contracts import ContractService
from app.services.providers.provider_queries import category_catalogue
from tests.conftest import submit_lead
from tests.contract_fixtures import category_id
from tests.pdf_checks import fonts_not_embedded
from tests.ui.conftest import settle
from ui.contracts.contract_editor import ContractEditor
from ui.contracts.coverage_editor import Catalogue
from ui.core.context import AppContext
from ui.pipeline.provider_account import ProviderAccount


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


def test_the_account_shows_the_month_and_takes_disputes(
    qtbot, workspace, clock, rep, provider, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    service = ContractService(workspace.sessions, clock, rep)
    with workspace.sessions() as session:
        category = category_id(session)
    from tests.contract_fixtures import terms

    version_id = service.create(
        provider, terms(category, 2500, cap_leads=40, package_fee_cents=10000, package_leads=1)
    )
    with workspace.sessions.begin() as session:
        version = session.get(ContractVersion, version_id)
        version.status = ContractStatus.ACTIVE
        contract_id = version.contract_id
    for n, phone in enumerate(("06 11 11 11 11", "06 22 22 22 22")):
        lead_id = submit_lead(workspace, phone=phone)
        with workspace.sessions.begin() as session:
            lead = session.get(Lead, lead_id)
            session.add(
                LeadSale(
                    lead_id=lead_id,
                    provider_id=provider,
                    contract_id=contract_id,
                    version_id=version_id,
                    category_id=category,
                    lead_number=lead.number,
                    lead_postcode="75011",
                    lead_city="Paris",
                    sold_at=clock() - timedelta(hours=n + 1),
                    price_cents=2500,
                    within_package=n == 1,  # the older one was the package's
                    sharing_level=3,
                    rank=1,
                )
            )
    with workspace.sessions.begin() as session:
        invoice = Invoice(
            provider_id=provider,
            kind="invoice",
            status="issued",
            monthly_key=f"{provider}:2026-11",
            period_start=date(2026, 11, 1),
            number="F2026-000007",
            sequence=7,
            issue_date=date(2026, 12, 1),
            due_date=date(2026, 12, 31),
            buyer_name="Plomberie Martin",
            buyer_address="75011 Paris",
            vat_territory="metropole",
            net_cents=2500,
            vat_cents=500,
            gross_cents=3000,
        )
        session.add(invoice)
        session.flush()
        session.add(
            InvoiceLine(
                invoice_id=invoice.id,
                position=1,
                kind="leads",
                label="Demandes « Salle de bains » – novembre 2026",
                quantity=1,
                unit_price_cents=2500,
                amount_cents=2500,
                vat_percent="20",
            )
        )
    opened: list[bool] = []
    account = ProviderAccount(
        ContractQueries(workspace.sessions),
        DisputeService(workspace.sessions, clock, rep),
        provider,
        clock,
        lambda: opened.append(True),
    )
    qtbot.addWidget(account)
    assert account.cap_bar.text().startswith("Leads ce mois : 2 / 40")
    assert "125,00" in account.amount_line.text()  # 100 € package + 25 € beyond it
    assert account.sales.topLevelItemCount() == 2

    account.sales.setCurrentItem(account.sales.topLevelItem(0))
    assert account.file_dispute(DisputeReason.WRONG_CONTACT, "Numéro non attribué")
    account.sales.setCurrentItem(account.sales.topLevelItem(0))
    assert not account.file_dispute(DisputeReason.DUPLICATE)  # once per lead
    assert "déjà contesté" in warnings[-1]
    account.dispute_list.setCurrentItem(account.dispute_list.topLevelItem(0))
    assert not account.decide(False, "")
    assert "Indiquez pourquoi" in warnings[-1]
    account.dispute_list.setCurrentItem(account.dispute_list.topLevelItem(0))
    assert account.decide(True, "Numéro vérifié : non attribué")
    assert account.dispute_list.topLevelItem(0).text(3) == "Acceptée (avoir)"
    assert account.sales.topLevelItem(0).text(6) == "Acceptée (avoir)"
    with workspace.sessions() as session:
        assert session.scalar(select(LeadDispute.status)) == "accepted"
    account.findChild(QPushButton, "open_contract").click()
    assert opened == [True]
    assert account.invoices.topLevelItem(0).text(0) == "F2026-000007"
    account.invoices.setCurrentItem(account.invoices.topLevelItem(0))
    pdf = account.save_invoice_pdf(tmp_path / "facture.pdf")
    assert pdf is not None and "F2026-000007" in PdfReader(pdf).pages[0].extract_text()
    import facturx

    _name, xml = facturx.get_xml_from_pdf(pdf.read_bytes(), check_xsd=True)
    assert b"F2026-000007" in xml


def test_the_provider_file_edits_categories_and_zones_with_the_shared_pickers(
    qtbot, workspace, clock, rep, provider
) -> None:  # type: ignore[no-untyped-def]
    from app.services.providers.provider_queries import ProviderQueries
    from app.services.providers.providers import ProviderService
    from ui.pipeline.provider_dialog import ProviderDialog

    queries = ProviderQueries(workspace.sessions)
    catalogue = category_catalogue(workspace.sessions)
    dialog = ProviderDialog(
        ProviderService(workspace.sessions, clock, rep),
        queries,
        Catalogue(lambda: catalogue),
        provider,
    )
    qtbot.addWidget(dialog)
    dialog.category_tree.set_checked([catalogue[0].id, catalogue[1].id])
    dialog.zone_picker.map.toggled.emit("92", True)
    dialog.zone_picker.postcode.setText("69003")
    dialog.zone_picker.radius.setValue(15)
    dialog.zone_picker._add_radius()
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.error.text()
    file = queries.provider_file(provider)
    assert set(file.category_ids) == {catalogue[0].id, catalogue[1].id}
    assert {z.label for z in file.zones} == {"92 – Hauts-de-Seine", "69003 + 15 km"}


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
