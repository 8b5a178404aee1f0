"""The provider's account and file, driven like a rep would (pytest-qt); they read and write
on worker threads and follow the change bus."""

from __future__ import annotations

from datetime import date, timedelta

from pypdf import PdfReader
from PySide6.QtWidgets import QMessageBox, QPushButton
from sqlalchemy import select

from app.domain.contracts import ContractStatus
from app.domain.disputes import DisputeReason
from app.persistence.models import (
    ContractVersion,
    Invoice,
    InvoiceLine,
    Lead,
    LeadDispute,
    LeadSale,
)
from app.services.contracts.contracts import ContractService
from app.services.providers.provider_queries import category_catalogue
from tests.conftest import submit_lead
from tests.contract_fixtures import category_id
from tests.ui.conftest import settle
from ui.contracts.coverage_editor import Catalogue
from ui.core.context import AppContext
from ui.pipeline.provider_account import ProviderAccount
from ui.pipeline.provider_dialog import ProviderDialog
from ui.pipeline.sales_model import SaleColumn


def test_the_account_shows_the_month_and_takes_disputes(
    qtbot, qtmodeltester, workspace, clock, rep, provider, monkeypatch, tmp_path
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
    context = AppContext(workspace, rep, clock, lambda _url: False)
    account = ProviderAccount(context, provider, lambda: opened.append(True))
    qtbot.addWidget(account)
    settle(qtbot, context)
    assert account.cap_bar.text().startswith("Leads ce mois : 2 / 40")
    assert "125,00" in account.amount_line.text()  # 100 € package + 25 € beyond it
    assert account.sales_model.rowCount() == 2
    qtmodeltester.check(account.sales_model)

    account.sales.setCurrentIndex(account.sales_model.index(0, 0))
    assert account.file_dispute(DisputeReason.WRONG_CONTACT, "Numéro non attribué")
    settle(qtbot, context)  # the dispute announced: the account reads itself again
    assert account.dispute_list.topLevelItemCount() == 1
    account.sales.setCurrentIndex(account.sales_model.index(0, 0))
    account.file_dispute(DisputeReason.DUPLICATE)  # once per lead
    settle(qtbot, context)
    assert "déjà contesté" in warnings[-1]
    account.dispute_list.setCurrentItem(account.dispute_list.topLevelItem(0))
    account.decide(False, "")
    settle(qtbot, context)
    assert "Indiquez pourquoi" in warnings[-1]
    account.dispute_list.setCurrentItem(account.dispute_list.topLevelItem(0))
    assert account.decide(True, "Numéro vérifié : non attribué")
    settle(qtbot, context)
    assert account.dispute_list.topLevelItem(0).text(3) == "Acceptée (avoir)"
    assert account.sales_model.index(0, SaleColumn.DISPUTE).data() == "Acceptée (avoir)"
    with workspace.sessions() as session:
        assert session.scalar(select(LeadDispute.status)) == "accepted"
    account.findChild(QPushButton, "open_contract").click()
    assert opened == [True]
    assert account.invoices.topLevelItem(0).text(0) == "F2026-000007"
    account.invoices.setCurrentItem(account.invoices.topLevelItem(0))
    assert account.save_invoice_pdf(tmp_path / "facture.pdf") is not None
    settle(qtbot, context)  # the Factur-X PDF is built and written on a worker thread
    pdf = tmp_path / "facture.pdf"
    assert "F2026-000007" in PdfReader(pdf).pages[0].extract_text()
    import facturx

    _name, xml = facturx.get_xml_from_pdf(pdf.read_bytes(), check_xsd=True)
    assert b"F2026-000007" in xml


def test_the_provider_file_edits_categories_and_zones_with_the_shared_pickers(
    qtbot, workspace, clock, rep, provider
) -> None:  # type: ignore[no-untyped-def]
    context = AppContext(workspace, rep, clock, lambda _url: False)
    queries = context.provider_queries
    catalogue = category_catalogue(workspace.sessions)
    dialog = ProviderDialog(context, Catalogue(lambda: catalogue), queries.provider_file(provider))
    qtbot.addWidget(dialog)
    dialog.category_tree.set_checked([catalogue[0].id, catalogue[1].id])
    dialog.zone_picker.map.toggled.emit("92", True)
    dialog.zone_picker.postcode.setText("69003")
    dialog.zone_picker.radius.setValue(15)
    dialog.zone_picker._add_radius()
    dialog.save()
    settle(qtbot, context)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.error.text()
    file = queries.provider_file(provider)
    assert set(file.category_ids) == {catalogue[0].id, catalogue[1].id}
    assert {z.label for z in file.zones} == {"92 – Hauts-de-Seine", "69003 + 15 km"}
