"""Collection rules and the back office's records: mandates, the pain.008 file against its
schema, payments shared over open invoices, rejects, the aged balance, the dunning calendar
with penalties and the 40 EUR indemnity, and the accounting journal."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.billing.dunning import DunningPolicy, dunning_status, late_penalty_cents
from app.billing.journal import (
    InvoiceForJournal,
    PaymentForJournal,
    invoice_entry,
    journal_csv,
    payment_entry,
)
from app.billing.ledger import OpenItem, PaymentKind, age_bucket, aged_balance, allocate
from app.billing.sepa import (
    Creditor,
    DebitFileRefused,
    DebitLine,
    MandateInput,
    MandateKind,
    check_creditor_id,
    check_mandate,
    earliest_collection,
    lapses_on,
    mandate_usable,
    next_settlement_day,
    pain008,
    sequence_type,
    settlement_day,
    valid_rum,
)
from app.domain.errors import ActionRefused, FieldErrors
from app.persistence.models import Payment
from app.services.billing.collection import CollectionService
from app.services.billing.collection_queries import CollectionQueries, InvoiceFilter, InvoiceState
from tests.conftest import TUESDAY_11H_PARIS
from tests.contract_fixtures import add_issued_invoice
from tests.pdf_checks import fonts_not_embedded, metadata_disagreements

TODAY = date(2026, 12, 1)
CREDITOR = Creditor("Leads & Co", "FR72ZZZ123456", "FR7630006000011234567890189", "AGRIFRPP")


def _mandate(**changes: object) -> MandateInput:
    values: dict[str, object] = {
        "rum": "RUM-0001",
        "debtor_name": "  Plomberie   Durand ",
        "iban": "fr76 3000 4000 0312 3456 7890 143",
        "bic": "",
        "kind": MandateKind.RECURRENT,
        "signed_on": date(2026, 6, 1),
    }
    values.update(changes)
    return MandateInput(**values)  # type: ignore[arg-type]


def test_a_mandate_is_checked_field_by_field() -> None:
    checked = check_mandate(_mandate(), TODAY)
    assert checked.iban == "FR7630004000031234567890143"
    assert checked.debtor_name == "Plomberie Durand"
    with pytest.raises(FieldErrors) as caught:
        check_mandate(
            _mandate(
                rum="RUM_é" * 10,
                debtor_name=" ",
                iban="FR7630004000031234567890144",
                bic="XX",
                signed_on=TODAY + timedelta(days=1),
            ),
            TODAY,
        )
    assert set(caught.value.errors) == {"rum", "debtor_name", "iban", "bic", "signed_on"}
    assert "IBAN" in caught.value.errors["iban"]


@pytest.mark.parametrize(
    ("rum", "accepted"),
    [("RUM-0001", True), ("MRT/2026/0001", True), ("A" * 35, True), ("/RUM1", False),
     ("RUM1/", False), ("RUM//1", False), ("RUM 0001", False), ("A" * 36, False),
     ("RUM_1", False), ("RUMé1", False)],
)  # fmt: skip
def test_a_rum_follows_the_epc_rules(rum: str, accepted: bool) -> None:
    """EPC: no leading or trailing "/", no "//", no space, 35 characters of the SEPA set."""
    if accepted:
        assert check_mandate(_mandate(rum=rum), TODAY).rum == rum
    else:
        with pytest.raises(FieldErrors) as caught:
            check_mandate(_mandate(rum=rum), TODAY)
        assert set(caught.value.errors) == {"rum"}
    assert valid_rum(rum) == accepted


def test_a_direct_debit_needs_an_iban_of_the_sepa_zone() -> None:
    assert check_mandate(_mandate(iban="CH93 0076 2011 6238 5295 7"), TODAY).iban.startswith("CH")
    for iban in ("TR330006100519786457841326", "SA0380000000608010167519"):  # valid, not SEPA
        with pytest.raises(FieldErrors) as caught:
            check_mandate(_mandate(iban=iban), TODAY)
        assert "SEPA" in caught.value.errors["iban"]


def test_the_creditor_identifier_is_checked_with_its_check_digits() -> None:
    assert check_creditor_id("fr72 zzz 123456") == "FR72ZZZ123456"
    assert check_creditor_id("ES23ZZZ47690558N") == "ES23ZZZ47690558N"  # stdnum's example
    for wrong in ("FR12ZZZ123456", "XX", "", "FR72ZZZ12345", "US72ZZZ123456"):
        with pytest.raises(ValueError):
            check_creditor_id(wrong)
    for wrong in ("FR12ZZZ123456", "XX"):  # no debit file with it
        creditor = Creditor("Leads & Co", wrong, "FR7630006000011234567890189", "AGRIFRPP")
        with pytest.raises(DebitFileRefused, match="ICS"):
            pain008(creditor, "X", date(2026, 12, 15), [_line()])


def test_the_shipped_creditor_identifier_is_valid() -> None:
    from app.settings import DEMO_LETTERHEAD

    assert check_creditor_id(DEMO_LETTERHEAD.sepa_creditor_id) == "FR72ZZZ123456"


def test_a_mandate_lapses_36_months_after_its_last_use() -> None:
    assert lapses_on(date(2026, 6, 1), None) == date(2029, 6, 1)
    assert lapses_on(date(2023, 8, 31), date(2024, 2, 29)) == date(2027, 2, 28)
    kind = MandateKind.RECURRENT
    assert mandate_usable(kind, date(2023, 1, 1), None, None, date(2025, 12, 31)) is None
    assert "caduc" in (mandate_usable(kind, date(2023, 1, 1), None, None, date(2026, 1, 1)) or "")
    assert "révoqué" in (
        mandate_usable(kind, date(2026, 1, 1), date(2026, 3, 1), None, date(2026, 3, 1)) or ""
    )
    one_off = MandateKind.ONE_OFF
    assert "ponctuel" in (
        mandate_usable(one_off, date(2026, 1, 1), None, date(2026, 2, 1), TODAY) or ""
    )
    assert sequence_type(kind, None) == "FRST"
    assert sequence_type(kind, date(2026, 2, 1)) == "RCUR"
    assert sequence_type(one_off, None) == "OOFF"


def test_debits_settle_on_target2_days_after_the_prenotice() -> None:
    assert not settlement_day(date(2026, 12, 25))  # Christmas
    assert not settlement_day(date(2026, 12, 26))  # Saturday, and a TARGET2 holiday
    assert next_settlement_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert next_settlement_day(date(2027, 3, 25)) == date(2027, 3, 30)  # Good Friday to Monday
    assert earliest_collection(date(2026, 12, 1), date(2026, 12, 5), 14) == date(2026, 12, 15)
    assert earliest_collection(date(2026, 12, 1), date(2027, 1, 15), 14) == date(2027, 1, 15)


def _line(**changes: object) -> DebitLine:
    values: dict[str, object] = {
        "end_to_end_id": "F2026-000001-1",
        "amount_cents": 12_345,
        "debtor_name": "Plomberie Durand",
        "iban": "FR7630004000031234567890143",
        "bic": None,
        "rum": "RUM-0001",
        "mandate_signed_on": date(2026, 6, 1),
        "sequence_type": "FRST",
        "description": "Facture F2026-000001",
    }
    values.update(changes)
    return DebitLine(**values)  # type: ignore[arg-type]


def test_the_pain008_file_passes_its_schema_with_our_batch_id() -> None:
    xml = pain008(
        CREDITOR,
        "PRLV-20261215-ABC",
        date(2026, 12, 15),
        [_line(), _line(end_to_end_id="F2026-000002-1", amount_cents=1, sequence_type="RCUR")],
    )
    assert b"<MsgId>PRLV-20261215-ABC</MsgId>" in xml
    assert b"<NbOfTxs>2</NbOfTxs>" in xml and b"<CtrlSum>123.46</CtrlSum>" in xml
    assert b"<ReqdColltnDt>2026-12-15</ReqdColltnDt>" in xml
    assert b"<MndtId>RUM-0001</MndtId>" in xml
    with pytest.raises(DebitFileRefused, match="schéma"):
        pain008(CREDITOR, "X", date(2026, 12, 15), [_line(iban="not an iban")])
    with pytest.raises(DebitFileRefused):
        pain008(CREDITOR, "X", date(2026, 12, 15), [])


def test_the_aged_balance_puts_amounts_in_their_columns() -> None:
    assert [
        age_bucket(TODAY + timedelta(days=d), TODAY) for d in (3, 0, -1, -30, -31, -90, -91)
    ] == [
        0,
        0,
        1,
        1,
        2,
        3,
        4,
    ]
    assert aged_balance(
        [(TODAY, 100), (TODAY - timedelta(days=45), 200), (TODAY - timedelta(days=400), 300)],
        TODAY,
    ) == (100, 0, 200, 0, 300)


def test_a_payment_goes_to_the_oldest_invoices_first_never_beyond_what_is_due() -> None:
    items = [
        OpenItem("b", "F2", TODAY, 5_000),
        OpenItem("a", "F1", TODAY - timedelta(days=30), 3_000),
    ]
    assert [(i.invoice_id, share) for i, share in allocate(4_000, items)] == [
        ("a", 3_000),
        ("b", 1_000),
    ]
    with pytest.raises(FieldErrors, match="dépasse"):
        allocate(8_001, items)
    with pytest.raises(FieldErrors):
        allocate(0, items)


def test_the_dunning_calendar_with_penalties_and_the_indemnity() -> None:
    policy = DunningPolicy()
    due = date(2026, 11, 1)
    status = dunning_status(due, 100_000, set(), date(2026, 11, 10), policy)
    assert status.days_late == 9 and status.bucket == 1
    assert (status.next_level, status.next_on) == (1, date(2026, 11, 8))
    assert status.reminder_due(date(2026, 11, 10))
    # 1,000.00 EUR at 12.15 % for 9 days: 2.9958... EUR
    assert status.penalty_cents == 300 and status.indemnity_cents == 4_000
    assert status.suspends_on == date(2026, 12, 16)
    later = dunning_status(due, 100_000, {1}, date(2026, 11, 10), policy)
    assert (later.next_level, later.next_on) == (2, date(2026, 11, 22))
    assert not later.reminder_due(date(2026, 11, 10))
    done = dunning_status(due, 100_000, {1, 2, 3}, date(2026, 12, 20), policy)
    assert done.next_level is None
    not_due = dunning_status(date(2026, 12, 31), 100_000, set(), TODAY, policy)
    assert not_due.days_late == 0 and not_due.claimed_cents == 0
    assert late_penalty_cents(365, 1, Decimal("50")) == 1  # 0.5 cent rounds up


@given(
    net=st.integers(min_value=-(10**9), max_value=10**9),
    vat=st.integers(min_value=-(10**8), max_value=10**8),
    paid=st.integers(min_value=-(10**9), max_value=10**9),
)
def test_every_journal_entry_balances(net: int, vat: int, paid: int) -> None:
    entry = invoice_entry(
        InvoiceForJournal("F2026-000001", TODAY, "C123", "Durand", net < 0, net, vat, net + vat)
    ) + payment_entry(PaymentForJournal(TODAY, "C123", "Durand", "F2026-000001", "Virement", paid))
    assert sum(line.debit_cents for line in entry) == sum(line.credit_cents for line in entry)
    assert all(line.debit_cents >= 0 and line.credit_cents >= 0 for line in entry)


def test_the_journal_csv_is_the_french_layout() -> None:
    lines = invoice_entry(
        InvoiceForJournal("F2026-000001", TODAY, "C123", "Durand", False, 10_000, 2_000, 12_000)
    )
    text = journal_csv(lines)
    assert (
        text.splitlines()[0] == "Date;Journal;Compte;Compte auxiliaire;Pièce;Libellé;Débit;Crédit"
    )
    assert "01/12/2026;VE;411000;C123;F2026-000001;Facture F2026-000001 Durand;120,00;" in text
    assert "01/12/2026;VE;706000;;F2026-000001;Facture F2026-000001 Durand;;100,00" in text


@pytest.fixture
def books(workspace, clock, rep, provider):  # type: ignore[no-untyped-def]
    """Two issued invoices of the provider: one overdue since 20 October, one not yet due."""
    with workspace.sessions.begin() as session:
        old = add_issued_invoice(
            session, provider, 1, 12_000, date(2026, 10, 1), date(2026, 10, 20)
        )
        new = add_issued_invoice(session, provider, 2, 24_000, date(2026, 11, 2), date(2026, 12, 2))
    return (
        CollectionService(workspace.sessions, clock, rep),
        CollectionQueries(workspace.sessions),
        old,
        new,
    )


def test_a_transfer_pays_the_oldest_invoice_first_and_the_list_follows(books, provider) -> None:  # type: ignore[no-untyped-def]
    service, queries, old, new = books
    overdue = queries.invoices(InvoiceFilter(state=InvoiceState.OVERDUE), TODAY)
    assert [r.invoice_id for r in overdue] == [old]
    assert overdue[0].state(TODAY) == "En retard (42 j)"
    with pytest.raises(FieldErrors) as caught:
        service.record_payment(provider, PaymentKind.TRANSFER, 36_001, TODAY, "VIR 1")
    assert "dépasse" in caught.value.errors["amount"]
    with pytest.raises(FieldErrors) as caught:
        service.record_payment(provider, PaymentKind.DIRECT_DEBIT, None, None, "")
    assert set(caught.value.errors) == {"kind", "amount", "received_on"}
    service.record_payment(provider, PaymentKind.TRANSFER, 15_000, TODAY, "VIR 1")
    rows = {r.invoice_id: r for r in queries.invoices(InvoiceFilter(), TODAY)}
    assert rows[old].open_cents == 0 and rows[old].state(TODAY) == "Réglée"
    assert rows[new].open_cents == 21_000 and rows[new].state(TODAY) == "À échoir"
    assert [
        r.invoice_id for r in queries.invoices(InvoiceFilter(state=InvoiceState.PAID), TODAY)
    ] == [old]
    assert queries.invoices(InvoiceFilter(text="000002"), TODAY)[0].invoice_id == new
    statement = queries.statement(provider)
    assert [line.balance_cents for line in statement] == [12_000, 36_000, 24_000, 21_000]
    assert queries.aged_balance(TODAY)[0].columns == (21_000, 0, 0, 0, 0)


def test_reminders_go_up_a_level_each_time_with_what_they_claim(books, clock) -> None:  # type: ignore[no-untyped-def]
    service, queries, old, new = books
    with pytest.raises(ActionRefused, match="pas encore échue"):
        service.record_reminder(new)
    [row] = queries.dunning(TODAY, DunningPolicy())
    assert row.receivable.invoice_id == old and row.status.reminder_due(TODAY)
    assert service.record_reminder(old)[0] == 1
    assert service.record_reminder(old)[0] == 2
    assert service.record_reminder(old)[0] == 3
    with pytest.raises(ActionRefused, match="Toutes"):
        service.record_reminder(old)
    [row] = queries.dunning(TODAY, DunningPolicy())
    assert row.levels_sent == (1, 2, 3) and row.status.indemnity_cents == 4_000


def test_a_rejected_debit_puts_the_invoice_back_in_dunning(books, workspace, provider, rep) -> None:  # type: ignore[no-untyped-def]
    service, queries, old, _new = books
    with workspace.sessions.begin() as session:  # as the server's debit run syncs it
        debit = Payment(
            provider_id=provider,
            invoice_id=old,
            kind=PaymentKind.DIRECT_DEBIT,
            amount_cents=12_000,
            received_on=date(2026, 10, 25),
            end_to_end_id="F2026-000001-1",
            recorded_at=TUESDAY_11H_PARIS,
        )
        session.add(debit)
        session.flush()
        debit_id = debit.id
    assert queries.dunning(TODAY, DunningPolicy()) == []
    with pytest.raises(FieldErrors):
        service.record_reject(debit_id, "XX99", TODAY)
    service.record_reject(debit_id, "AM04", date(2026, 10, 28))
    with pytest.raises(ActionRefused, match="déjà"):
        service.record_reject(debit_id, "AM04", date(2026, 10, 28))
    [row] = queries.dunning(TODAY, DunningPolicy())
    assert row.rejected and row.receivable.open_cents == 12_000
    [debit_row] = queries.debits(date(2026, 10, 1))
    assert debit_row.rejected_code == "AM04"


def test_mandates_are_recorded_once_per_rum(books, provider) -> None:  # type: ignore[no-untyped-def]
    service, queries, _old, _new = books
    mandate_id = service.add_mandate(provider, _mandate())
    with pytest.raises(FieldErrors) as caught:
        service.add_mandate(provider, _mandate())
    assert "rum" in caught.value.errors
    assert queries.mandates(provider, TODAY)[0].problem is None
    service.revoke_mandate(mandate_id, TODAY)
    [row] = queries.mandates(provider, TODAY)
    assert row.problem == "mandat révoqué"
    assert isinstance(row.id, uuid.UUID)


def test_an_invoice_a_mandate_will_collect_announces_the_debit(books, provider, workspace) -> None:  # type: ignore[no-untyped-def]
    import facturx
    from pypdf import PdfReader

    from app.services.billing.invoice_queries import facturx_invoice
    from app.settings import Settings

    service, _queries, _old, new = books
    letterhead = Settings().letterhead
    _name, xml = facturx.get_xml_from_pdf(
        facturx_invoice(workspace.sessions, new, letterhead), check_xsd=True
    )
    assert b"<ram:TypeCode>58</ram:TypeCode>" in xml  # no mandate yet: a transfer to us
    assert letterhead.bank_iban.encode() in xml
    service.add_mandate(provider, _mandate(signed_on=date(2026, 10, 1)))
    pdf = facturx_invoice(workspace.sessions, new, letterhead)
    _name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert b"<ram:TypeCode>59</ram:TypeCode>" in xml
    assert b"<ram:DirectDebitMandateID>RUM-0001</ram:DirectDebitMandateID>" in xml
    assert b"<ram:CreditorReferenceID>FR72ZZZ123456</ram:CreditorReferenceID>" in xml
    assert b"<ram:IBANID>FR7630004000031234567890143</ram:IBANID>" in xml
    assert fonts_not_embedded(pdf) == set()
    assert metadata_disagreements(pdf) == []  # PDF/A: Info and XMP say the same
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert info is not None and info.producer == "pypdf" and info.title == "Facture F2026-000002"
    assert "/OutputIntents" in PdfReader(io.BytesIO(pdf)).trailer["/Root"]  # PDF/A colour space
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    # Issued 2 November, due 2 December: collected from the due date, the notice having run.
    assert "prélevée à partir du 02/12/2026" in text and "RUM-0001" in text


def test_the_invoice_list_pages_down_the_numbers_and_totals_the_whole_filter(  # type: ignore[no-untyped-def]
    books, workspace, provider
) -> None:
    from app.billing.invoices import InvoiceKind, InvoiceStatus
    from app.persistence.models import Invoice

    service, queries, old, new = books
    with workspace.sessions.begin() as session:
        third = add_issued_invoice(
            session, provider, 4, 6_000, date(2026, 11, 3), date(2026, 11, 20)
        )
        note = Invoice(
            provider_id=provider, kind=InvoiceKind.CREDIT_NOTE, status=InvoiceStatus.ISSUED,
            period_start=date(2026, 10, 1), number="F2026-000003", sequence=3,
            issue_date=date(2026, 11, 2), due_date=date(2026, 11, 2), corrects_invoice_id=new,
            buyer_name="Plomberie Martin", buyer_address="", vat_territory="metropole",
            net_cents=-2_000, vat_cents=-400, gross_cents=-2_400,
        )  # fmt: skip
        session.add(note)
    service.record_payment(provider, PaymentKind.TRANSFER, 12_000, TODAY, "VIR 1", invoice_id=old)
    everything = InvoiceFilter()
    first = queries.invoices(everything, TODAY, limit=2)
    assert [r.number for r in first] == ["F2026-000004", "F2026-000003"]  # with the credit note
    assert first[1].is_credit_note
    second = queries.invoices(everything, TODAY, limit=2, before=first[-1].number)
    assert [r.invoice_id for r in second] == [new, old]
    assert queries.invoices(everything, TODAY, limit=2, before=second[-1].number) == []
    totals = queries.invoice_totals(everything, TODAY)
    assert (totals.count, totals.gross_cents) == (4, 12_000 + 24_000 + 6_000 - 2_400)
    assert totals.open_cents == 24_000 - 2_400 + 6_000  # the old one paid, the new one credited
    open_totals = queries.invoice_totals(InvoiceFilter(state=InvoiceState.OPEN), TODAY)
    assert (open_totals.count, open_totals.open_cents) == (2, 27_600)
    overdue = queries.invoice_totals(InvoiceFilter(state=InvoiceState.OVERDUE), TODAY)
    assert (overdue.count, overdue.open_cents) == (1, 6_000)
    assert [
        r.invoice_id for r in queries.invoices(InvoiceFilter(state=InvoiceState.OVERDUE), TODAY)
    ] == [third]
    paid = queries.invoice_totals(InvoiceFilter(state=InvoiceState.PAID), TODAY)
    assert (paid.count, paid.gross_cents, paid.open_cents) == (1, 12_000, 0)
    found = queries.invoice_totals(InvoiceFilter(text="000002"), TODAY)
    assert (found.count, found.open_cents) == (1, 21_600)
