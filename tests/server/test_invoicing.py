"""The monthly invoice run on the server: drafts, VAT by territory, gapless numbers, idempotent
re-runs, credits used once, and two runs racing (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

import threading
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.billing.invoices import InvoiceStatus
from app.persistence.models import (
    Invoice,
    InvoiceLine,
    Provider,
    ProviderCredit,
)
from server.invoicing import issued_numbers, preview_invoice
from tests.server.conftest import NOVEMBER, NOW, issue_all


def test_preview_makes_numberless_drafts_with_vat_by_territory(books) -> None:  # type: ignore[no-untyped-def]
    sessions, dispatch, providers = books
    rows = {}
    for name, provider_id in providers.items():
        with dispatch.begin() as session:
            rows[name] = preview_invoice(session, provider_id, NOVEMBER, NOW)
    assert all(row.number is None for row in rows.values())
    # Paris: package 200 € + 1 lead beyond it 29.99 € − credit 29.99 € = 200 €, VAT 20 %.
    assert (rows["Paris"].net_cents, rows["Paris"].vat_cents) == (20_000, 4_000)
    # La Réunion: 3 × 29.99 € = 89.97 €, VAT 8.5 % = 7.647… → 7.65 €.
    assert (rows["Réunion"].net_cents, rows["Réunion"].vat_cents) == (8_997, 765)
    assert (rows["Guyane"].vat_cents, rows["Guyane"].gross_cents) == (0, 8_997)
    assert all("Mandat SEPA manquant" in row.anomalies for row in rows.values())
    with sessions() as session:
        drafts = session.scalars(select(Invoice)).all()
        assert {d.status for d in drafts} == {InvoiceStatus.DRAFT}
        assert session.scalar(select(func.count()).select_from(ProviderCredit).where(
            ProviderCredit.invoice_id.is_not(None))) == 0  # fmt: skip
    # A second preview recomputes the same drafts: no new invoice.
    with dispatch.begin() as session:
        preview_invoice(session, providers["Paris"], NOVEMBER, NOW)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Invoice)) == 3
        lines = session.scalars(
            select(InvoiceLine).where(InvoiceLine.deleted.is_(False)).order_by(InvoiceLine.position)
        ).all()
        assert sum(1 for line in lines if line.vat_percent == "8.5") == 1


def test_issuing_numbers_without_gaps_once_and_uses_the_credit_once(books) -> None:  # type: ignore[no-untyped-def]
    sessions, dispatch, providers = books
    with dispatch.begin() as session:
        preview_invoice(session, providers["Paris"], NOVEMBER, NOW)
    issue_all(dispatch)
    issue_all(dispatch)  # a re-run creates nothing
    with sessions() as session:
        assert issued_numbers(session) == [1, 2, 3]
        invoices = session.scalars(select(Invoice).order_by(Invoice.sequence)).all()
        assert [i.number for i in invoices] == ["F2026-000001", "F2026-000002", "F2026-000003"]
        assert {i.issue_date for i in invoices} == {date(2026, 12, 1)}
        assert {i.due_date for i in invoices} == {date(2027, 1, 15)}
        credit = session.scalars(select(ProviderCredit)).one()
        paris = next(i for i in invoices if i.provider_id == providers["Paris"])
        assert credit.invoice_id == paris.id
        assert Decimal(paris.vat_cents) / paris.net_cents == Decimal("0.2")


def test_two_runs_racing_issue_each_month_once_with_gapless_numbers(books) -> None:  # type: ignore[no-untyped-def]
    sessions, dispatch, _providers = books
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        try:
            issue_all(dispatch)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    with sessions() as session:
        assert issued_numbers(session) == [1, 2, 3]
        assert session.scalar(select(func.count()).select_from(Invoice)) == 3
        keys = session.scalars(select(Invoice.monthly_key)).all()
        assert len(set(keys)) == 3
        assert len({uuid.UUID(k.split(":")[0]) for k in keys}) == 3


def test_an_issued_invoice_prints_every_mandatory_mention(books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from app.reports.invoice_pdf import write_invoice_pdf
    from app.services.billing.invoice_queries import invoice_document
    from app.settings import Settings

    sessions, dispatch, providers = books
    with sessions.begin() as session:
        for name in ("Paris", "Guyane"):
            session.get(Provider, providers[name]).vat_number = "FR83404833048"
    issue_all(dispatch)
    with sessions() as session:
        by_provider = {i.provider_id: i.id for i in session.scalars(select(Invoice))}
    texts = {}
    for name in ("Paris", "Guyane"):
        document = invoice_document(sessions, by_provider[providers[name]])
        path = write_invoice_pdf(document, Settings().letterhead, tmp_path / f"{name}.pdf")
        text = " ".join(page.extract_text() for page in PdfReader(path).pages)
        texts[name] = " ".join(text.replace("\xa0", " ").split())  # lines wrap where they may
    paris = texts["Paris"]
    for mention in (
        "Facture n° F2026-",  # number
        "Date d'émission : 1 décembre 2026",
        "du 1 novembre 2026 au 30 novembre 2026",  # date of the service
        "Mise en Relation Travaux SAS",  # seller, legal form, capital, RCS, VAT, SIRET
        "SAS au capital de 50 000 €",
        "RCS Paris 552 100 554",
        "TVA FR96552100554",
        "SIRET 55210055401003",
        "Paris",  # buyer
        "Forfait mensuel novembre 2026",
        "PU HT",
        "TVA 20 % sur 200,00 €",
        "Total TTC",
        "240,00 €",
        "Échéance : 15 janvier 2027",
        "pénalités au taux de refinancement de la BCE majoré de 10 points",
        "indemnité forfaitaire pour frais de recouvrement de 40 €",
        "Avoir – lead contesté",  # the credit as a negative line
        "-29,99 €",
    ):
        assert mention in paris, mention
    assert "TVA intracommunautaire FR83404833048" in paris
    # Outside the scope of VAT (category O): the mention, no rate of 0 %, no VAT identifier
    # of ours or of the buyer's (BR-O-02), as in its Factur-X XML.
    guyane = texts["Guyane"]
    assert "TVA non applicable en Guyane et à Mayotte (art. 294-1 du CGI)" in guyane
    assert "Hors champ de la TVA sur 89,97 €" in guyane and "Hors champ" in guyane
    assert "TVA 0 %" not in guyane and "FR96552100554" not in guyane
    assert "FR83404833048" not in guyane and "RCS Paris 552 100 554" in guyane
    assert "■" not in paris


def test_the_facturx_xml_passes_the_packages_own_check_and_is_embedded(books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import facturx

    from app.billing.facturx_xml import cii_xml, facturx_pdf
    from app.reports.invoice_pdf import write_invoice_pdf
    from app.services.billing.invoice_queries import invoice_document
    from app.settings import Settings

    sessions, dispatch, providers = books
    issue_all(dispatch)
    letterhead = Settings().letterhead
    with sessions() as session:
        ids = {i.provider_id: i.id for i in session.scalars(select(Invoice))}
    for name in ("Paris", "Guyane"):
        document = invoice_document(sessions, ids[providers[name]])
        xml = cii_xml(document, letterhead)
        assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
        pdf = write_invoice_pdf(document, letterhead, tmp_path / f"{name}.pdf").read_bytes()
        hybrid = facturx_pdf(pdf, document, letterhead)
        filename, embedded = facturx.get_xml_from_pdf(hybrid, check_xsd=True)
        assert filename == "factur-x.xml" and document.number.encode() in embedded
        if name == "Paris":
            assert b'<ram:BilledQuantity unitCode="C62">-1</ram:BilledQuantity>' in embedded
            assert b"<ram:GrandTotalAmount>240.00</ram:GrandTotalAmount>" in embedded
        else:
            assert b"<ram:CategoryCode>O</ram:CategoryCode>" in embedded


def test_a_credit_note_cancels_an_issued_invoice_which_is_then_invoiced_again(books) -> None:  # type: ignore[no-untyped-def]
    import facturx

    from app.billing.facturx_xml import cii_xml
    from app.services.billing.invoice_queries import invoice_document
    from app.settings import Settings
    from server.invoicing import CreditNoteRefused, issue_credit_note

    sessions, dispatch, providers = books
    issue_all(dispatch)
    with sessions() as session:
        paris = session.scalars(
            select(Invoice).where(Invoice.provider_id == providers["Paris"])
        ).one()
    with dispatch.begin() as session:
        note = issue_credit_note(session, paris.id, "erreur de forfait", NOW)
        note_id = note.id
    with dispatch.begin() as session, pytest.raises(CreditNoteRefused):
        issue_credit_note(session, paris.id, "deux fois", NOW)
    with sessions() as session:
        note = session.get(Invoice, note_id)
        assert note.sequence == 4 and note.corrects_invoice_id == paris.id
        assert (note.net_cents, note.gross_cents) == (-paris.net_cents, -paris.gross_cents)
        assert session.get(Invoice, paris.id).number == paris.number  # never edited
        assert session.scalars(select(ProviderCredit.invoice_id)).one() is None
    document = invoice_document(sessions, note_id)
    assert document.corrects_number == paris.number
    xml = cii_xml(document, Settings().letterhead)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml and b"<ram:GrandTotalAmount>240.00" in xml
    issue_all(dispatch)  # the corrected month is invoiced again, taking the credit again
    with sessions() as session:
        assert issued_numbers(session) == [1, 2, 3, 4, 5]
        again = session.scalars(select(Invoice).where(Invoice.sequence == 5)).one()
        assert again.provider_id == providers["Paris"]
        assert session.scalars(select(ProviderCredit.invoice_id)).one() == again.id


def test_partial_credit_notes_never_credit_more_than_the_invoice(books) -> None:  # type: ignore[no-untyped-def]
    import facturx

    from app.billing.facturx_xml import cii_xml
    from app.billing.invoice_maths import vat_amount
    from app.services.billing.invoice_queries import invoice_document
    from app.services.billing.receivables import receivables
    from app.settings import Settings
    from server.invoicing import CreditNoteRefused, issue_credit_note

    sessions, dispatch, providers = books
    issue_all(dispatch)
    with sessions() as session:
        reunion = session.scalars(
            select(Invoice).where(Invoice.provider_id == providers["Réunion"])
        ).one()
    with dispatch.begin() as session:
        note = issue_credit_note(session, reunion.id, "geste commercial", NOW, net_cents=1_000)
        note_id = note.id
    with sessions() as session:
        note = session.get(Invoice, note_id)
        # 10.00 € at La Réunion's 8.5 %: 0.85 € of VAT.
        assert (note.net_cents, note.vat_cents, note.gross_cents) == (-1_000, -85, -1_085)
        [item] = receivables(session, Invoice.id == reunion.id)
        assert item.open_cents == reunion.gross_cents - 1_085
    xml = cii_xml(invoice_document(sessions, note_id), Settings().letterhead)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    with dispatch.begin() as session, pytest.raises(CreditNoteRefused, match="reste à créditer"):
        issue_credit_note(session, reunion.id, "trop", NOW, net_cents=reunion.net_cents)
    with dispatch.begin() as session, pytest.raises(CreditNoteRefused, match="partiel"):
        issue_credit_note(session, reunion.id, "tout", NOW)
    with dispatch.begin() as session:
        issue_credit_note(session, reunion.id, "le reste", NOW, net_cents=reunion.net_cents - 1_000)
    with sessions() as session:
        [item] = receivables(session, Invoice.id == reunion.id)
        rest = reunion.net_cents - 1_000
        assert item.open_cents == reunion.gross_cents - 1_085 - rest - vat_amount(
            rest, Decimal("8.5")
        )
        assert issued_numbers(session) == [1, 2, 3, 4, 5]


def test_every_kind_of_document_passes_the_official_en16931_rules(books) -> None:  # type: ignore[no-untyped-def]
    """Mainland 20 %, 8.5 % (La Réunion), outside the scope of VAT (Guyane, category O), each
    paid by transfer or by direct debit, and whole and partial credit notes: every Factur-X XML
    we make passes the EN 16931 business rules, not only the schema, and every PDF's Info
    dictionary agrees with its XMP metadata (PDF/A)."""
    import facturx

    from app.billing.sepa import MandateKind
    from app.persistence.models import SepaMandate
    from app.services.billing.invoice_queries import facturx_invoice
    from app.settings import Settings
    from server.invoicing import issue_credit_note
    from tests.en16931 import breaches
    from tests.pdf_checks import metadata_disagreements

    sessions, dispatch, providers = books
    with sessions.begin() as session:  # buyers with their SIREN and VAT number
        for provider_id, siren in zip(
            providers.values(), ("404833048", "542051180", "552081317"), strict=True
        ):
            provider = session.get(Provider, provider_id)
            provider.siren = siren
            provider.vat_number = f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
    issue_all(dispatch)
    with sessions.begin() as session:
        invoices = {
            name: session.scalars(select(Invoice).where(Invoice.provider_id == provider_id)).one()
            for name, provider_id in providers.items()
        }
        ids = {f"{name} (virement)": invoice.id for name, invoice in invoices.items()}
    letterhead = Settings().letterhead
    xmls = {name: facturx_invoice(sessions, i, letterhead) for name, i in ids.items()}
    with sessions.begin() as session:  # then every provider signs a mandate: direct debits
        for name, provider_id in providers.items():
            session.add(
                SepaMandate(
                    provider_id=provider_id, rum=f"RUM-{name.upper()}-1",
                    debtor_name=name, iban="FR7630004000031234567890143",
                    kind=MandateKind.RECURRENT, signed_on=date(2026, 6, 1),
                )
            )  # fmt: skip
    for name, invoice in invoices.items():
        xmls[f"{name} (prélèvement)"] = facturx_invoice(sessions, invoice.id, letterhead)
    partial = [
        ("Réunion, avoir partiel", "Réunion", 6),
        # 0.00 € of VAT: 0.01 € were credited on the first 0.06 € (VAT on the running total).
        ("Réunion, second avoir partiel", "Réunion", 6),
        ("Guyane, avoir partiel", "Guyane", 1_001),
        ("Guyane, avoir du reste", "Guyane", invoices["Guyane"].net_cents - 1_001),
    ]
    with dispatch.begin() as session:
        whole = issue_credit_note(session, invoices["Paris"].id, "erreur", NOW)
        note_ids = {"Paris, avoir total": whole.id}
    for name, provider, net in partial:
        with dispatch.begin() as session:
            note = issue_credit_note(session, invoices[provider].id, "geste", NOW, net_cents=net)
            note_ids[name] = note.id
    for name, note_id in note_ids.items():
        xmls[name] = facturx_invoice(sessions, note_id, letterhead)
    found = {}
    for name, pdf in xmls.items():
        _filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
        found[name] = breaches(xml) + metadata_disagreements(pdf)
    assert (
        b"<ram:TypeCode>59</ram:TypeCode>"
        in facturx.get_xml_from_pdf(xmls["Guyane (prélèvement)"])[1]
    )
    report = "\n".join(f"{name}: {b}" for name, found_here in found.items() for b in found_here)
    assert not report, "EN 16931 rules broken:\n" + report


def test_partial_credit_notes_never_credit_more_vat_than_the_invoice(books) -> None:  # type: ignore[no-untyped-def]
    """At 8.5 %, 0.06 € twice then the rest of 89.97 €: each rounded alone, 0.01 + 0.01 +
    7.64 = 7.66 € of VAT on an invoice that carried 7.65 €."""
    from server.invoicing import issue_credit_note

    sessions, dispatch, providers = books
    issue_all(dispatch)
    with sessions() as session:
        reunion = session.scalars(
            select(Invoice).where(Invoice.provider_id == providers["Réunion"])
        ).one()
    assert (reunion.net_cents, reunion.vat_cents) == (8_997, 765)
    for net in (6, 6, reunion.net_cents - 12):
        with dispatch.begin() as session:
            issue_credit_note(session, reunion.id, "geste", NOW, net_cents=net)
    with sessions() as session:
        notes = session.scalars(
            select(Invoice).where(Invoice.corrects_invoice_id == reunion.id)
        ).all()
        assert -sum(n.net_cents for n in notes) == reunion.net_cents
        assert -sum(n.vat_cents for n in notes) == reunion.vat_cents
        assert -sum(n.gross_cents for n in notes) == reunion.gross_cents
        assert all(n.gross_cents == n.net_cents + n.vat_cents for n in notes)


def test_a_credit_larger_than_the_invoice_is_used_in_part_oldest_first(books) -> None:  # type: ignore[no-untyped-def]
    """Paris owes 229.99 € for November and has two open credits: 29.99 € (3 days old, from
    the fixture) and 500 € granted before it. The old big one goes first, for what the invoice
    leaves room for; its rest and the newer one wait for the next invoice, and a credit note
    cancelling the invoice gives back what it took."""
    from server.invoicing import issue_credit_note

    sessions, dispatch, providers = books
    paris = providers["Paris"]
    with sessions.begin() as session:
        session.add(
            ProviderCredit(
                provider_id=paris,
                amount_cents=50_000,
                label="Avoir – lead n° 7 contesté",
                granted_at=NOW - timedelta(days=20),
            )
        )
    issue_all(dispatch)
    with sessions() as session:
        invoice = session.scalars(select(Invoice).where(Invoice.provider_id == paris)).one()
        assert (invoice.net_cents, invoice.gross_cents) == (0, 0)
        credits = session.scalars(select(ProviderCredit).order_by(ProviderCredit.granted_at)).all()
        by_state = sorted((c.amount_cents, c.invoice_id == invoice.id) for c in credits)
        assert by_state == [(2_999, False), (22_999, True), (27_001, False)]
        assert sum(c.amount_cents for c in credits) == 50_000 + 2_999
        touched = [c for c in credits if c.amount_cents != 2_999]  # the split one, its part
        assert all(c.server_seq is not None for c in touched)  # every change syncs
        lines = session.scalars(
            select(InvoiceLine).where(
                InvoiceLine.invoice_id == invoice.id, InvoiceLine.kind == "credit"
            )
        ).all()
        assert [line.amount_cents for line in lines] == [-22_999]
        assert "229,99 € sur 500,00 €" in lines[0].label.replace("\xa0", " ")
    with dispatch.begin() as session:
        issue_credit_note(session, invoice.id, "erreur", NOW)
    with sessions() as session:
        credits = session.scalars(select(ProviderCredit)).all()
        assert all(c.invoice_id is None for c in credits)
        assert sum(c.amount_cents for c in credits) == 50_000 + 2_999
        freed = [c for c in credits if c.amount_cents == 22_999]
        assert all(c.server_seq > invoice.server_seq for c in freed)  # the change syncs
