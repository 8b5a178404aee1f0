"""Invoice maths: VAT by territory, rounding per rate, the monthly bill's lines and credits."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.billing.invoice_maths import Line, LineKind, credit_note_vat, totals, vat_amount
from app.billing.monthly_bill import CreditUse, OpenCredit, Package, SoldLead, monthly_bill
from app.billing.vat import vat_rate_for

MAINLAND = vat_rate_for("75")


@pytest.mark.parametrize(
    ("departement", "percent"),
    [("75", "20"), ("2A", "20"), ("971", "8.5"), ("972", "8.5"), ("974", "8.5"),
     ("973", "0"), ("976", "0")],
)  # fmt: skip
def test_the_providers_place_decides_the_rate(departement: str, percent: str) -> None:
    rate = vat_rate_for(departement)
    assert rate.percent == Decimal(percent)
    assert bool(rate.mention) == (percent == "0")


def test_vat_is_rounded_half_up_once_per_rate() -> None:
    assert vat_amount(1, Decimal("8.5")) == 0  # 0.085 cent
    assert vat_amount(10, Decimal("8.5")) == 1  # 0.85 -> 1
    assert vat_amount(2500, Decimal("20")) == 500
    reunion = vat_rate_for("974")
    lines = [Line(LineKind.LEADS, "a", 3, 1999, reunion), Line(LineKind.LEADS, "b", 1, 1, reunion)]
    result = totals(lines)
    # 5,998 c at 8.5 % = 509.83 -> 510; per line it would be 509.7 + 0.085 -> 510 + 0
    assert (result.net_cents, result.vat_cents, result.gross_cents) == (5998, 510, 6508)


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(-5000, 20000)), max_size=12))
def test_totals_add_up(rows) -> None:  # type: ignore[no-untyped-def]
    lines = [Line(LineKind.LEADS, "x", q, p, MAINLAND) for q, p in rows]
    result = totals(lines)
    assert result.net_cents == sum(q * p for q, p in rows)
    assert result.gross_cents == result.net_cents + result.vat_cents
    assert abs(result.vat_cents - result.net_cents * 0.2) <= 0.5


def test_the_monthly_bill_has_the_package_the_leads_beyond_it_and_the_credits() -> None:
    sales = [SoldLead("Salle de bains", 2500, True)] * 10 + [
        SoldLead("Salle de bains", 2500, False),
        SoldLead("Salle de bains", 2500, False),
        SoldLead("Cuisine", 3000, False),
    ]
    small, big = (
        OpenCredit(uuid.uuid4(), "Avoir lead 12", 2500),
        OpenCredit(uuid.uuid4(), "Avoir lead 13", 99_999),
    )
    bill = monthly_bill(date(2026, 11, 1), sales, Package(25_000, 10), [small, big], MAINLAND)
    labels = [(line.kind, line.quantity, line.unit_price_cents) for line in bill.lines]
    assert labels == [
        (LineKind.PACKAGE, 1, 25_000),
        (LineKind.LEADS, 1, 3000),
        (LineKind.LEADS, 2, 2500),
        (LineKind.CREDIT, 1, -2500),
        (LineKind.CREDIT, 1, -30_500),  # what is left of the invoice: never below zero
    ]
    assert "novembre 2026" in bill.lines[0].label and "10 reçue(s)" in bill.lines[0].label
    assert bill.credits_used == (CreditUse(small.id, 2500), CreditUse(big.id, 30_500))
    assert "305,00 € sur 999,99 €" in bill.lines[-1].label.replace("\xa0", " ")
    assert totals(bill.lines).net_cents == 0


def test_credits_are_used_oldest_first_and_in_part_when_larger_than_the_invoice() -> None:
    """A credit larger than a month's invoice neither waits for ever nor lets newer ones pass."""
    old_big, new_small = (
        OpenCredit(uuid.uuid4(), "Avoir lead 1", 10_000),
        OpenCredit(uuid.uuid4(), "Avoir lead 2", 500),
    )
    sales = [SoldLead("Cuisine", 3000, False)] * 2
    bill = monthly_bill(date(2026, 11, 1), sales, None, [old_big, new_small], MAINLAND)
    assert bill.credits_used == (CreditUse(old_big.id, 6000),)  # the small one waits its turn
    assert totals(bill.lines).net_cents == 0
    rest = OpenCredit(old_big.id, "Avoir lead 1", 4000)
    later = monthly_bill(date(2026, 12, 1), sales * 2, None, [rest, new_small], MAINLAND)
    assert later.credits_used == (CreditUse(old_big.id, 4000), CreditUse(new_small.id, 500))
    assert totals(later.lines).net_cents == 12_000 - 4500


@given(
    prices=st.lists(st.integers(1, 50_000), max_size=6),
    credits=st.lists(st.integers(1, 80_000), max_size=6),
)
def test_credits_never_take_an_invoice_below_zero_and_wait_only_behind_older_ones(
    prices: list[int], credits: list[int]
) -> None:
    sales = [SoldLead("Cuisine", price, False) for price in prices]
    opened = [OpenCredit(uuid.uuid4(), f"Avoir {n}", amount) for n, amount in enumerate(credits)]
    bill = monthly_bill(date(2026, 11, 1), sales, None, opened, MAINLAND)
    used = [use.amount_cents for use in bill.credits_used]
    assert totals(bill.lines).net_cents == max(sum(prices) - sum(credits), 0)
    assert [use.credit_id for use in bill.credits_used] == [c.id for c in opened[: len(used)]]
    # Each used in full, but the last one maybe, which is then what was left of the invoice.
    assert all(u == c.amount_cents for u, c in zip(used[:-1], opened, strict=False))
    assert all(u > 0 for u in used)


def test_month_bounds_are_paris_months_in_utc() -> None:
    from datetime import UTC, datetime

    from app.clock import month_bounds, month_start

    start, end = month_bounds(date(2026, 11, 17))
    assert start == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # winter time: UTC+1
    assert end == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert month_bounds(date(2026, 7, 1))[0] == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert month_start(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == end  # 1 Dec in Paris


@given(
    net=st.integers(1, 10**7),
    percent=st.sampled_from([Decimal("20"), Decimal("8.5"), Decimal("0")]),
    cuts=st.lists(st.floats(0, 1, exclude_max=True), max_size=8),
)
def test_partial_credit_notes_credit_the_invoices_vat_at_most_and_all_of_it_at_the_end(
    net: int, percent: Decimal, cuts: list[float]
) -> None:
    """Any split of an invoice into partial credit notes: never more VAT than the invoice
    carried, each note's VAT within a cent of its own base's, and the whole VAT once the
    whole net is credited."""
    vat = vat_amount(net, percent)
    points = sorted({int(net * c) for c in cuts} | {0, net})
    credited_net = credited_vat = 0
    for start, end in pairwise(points):
        note = credit_note_vat(net, vat, credited_net, credited_vat, end - start, percent)
        assert abs(note - vat_amount(end - start, percent)) <= 1
        credited_net += end - start
        credited_vat += note
        assert 0 <= credited_vat <= vat
    assert (credited_net, credited_vat) == (net, vat)


def test_two_partial_credit_notes_at_8_5_percent_credit_the_invoices_vat_exactly() -> None:
    percent = Decimal("8.5")
    assert vat_amount(20_000, percent) == 1_700
    assert vat_amount(100, percent) + vat_amount(19_900, percent) == 1_701  # rounded alone
    first = credit_note_vat(20_000, 1_700, 0, 0, 100, percent)
    assert first + credit_note_vat(20_000, 1_700, 100, first, 19_900, percent) == 1_700
