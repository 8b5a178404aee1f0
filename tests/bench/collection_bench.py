"""Invoicing and collection figures: three years of monthly invoices for 1,500 providers
(54,000 invoices, their debits, some rejects), read as the back office's screens read them, and
the server's debit run over all of them."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from app.billing.dunning import DunningPolicy
from app.billing.invoices import InvoiceKind, InvoiceStatus
from app.billing.ledger import PaymentKind
from app.billing.sepa import MandateKind, next_settlement_day
from app.ids import uuid7
from app.persistence.models import Invoice, Payment, SepaMandate
from app.services.billing.collection_queries import CollectionQueries, InvoiceFilter, InvoiceState
from app.services.reference_data import install_reference_data
from server.collection import debit_run
from server.dispatch import dispatch_sessions
from server.persistence.database import migrate, server_engines
from tests.contract_fixtures import add_provider

PROVIDERS = 1500
MONTHS = 36
TODAY = date(2026, 11, 29)


def _synced(values: dict[str, object], now: datetime) -> dict[str, object]:
    return {
        "id": uuid7(),
        "created_at": now,
        "updated_at": now,
        "deleted": False,
        "hlc": "",
        "field_clocks": "{}",
        **values,
    }


def _seed(sessions, now: datetime) -> tuple[list[uuid.UUID], int]:  # type: ignore[no-untyped-def]
    rng = random.Random(6)
    with sessions.begin() as session:
        providers = [
            add_provider(session, f"Prestataire {n}", "75011", now) for n in range(PROVIDERS)
        ]
    first = date(TODAY.year - MONTHS // 12, TODAY.month, 1)
    invoices, payments, mandates = [], [], []
    sequence = 0
    for provider_id in providers:
        mandate_id = uuid7()
        mandates.append(
            _synced(
                {
                    "id": mandate_id,
                    "provider_id": provider_id,
                    "rum": f"RUM-{provider_id.hex[:20]}",
                    "debtor_name": "Prestataire",
                    "iban": "FR7630004000031234567890143",
                    "kind": MandateKind.RECURRENT,
                    "signed_on": first,
                    "last_collected_on": date(2026, 10, 31),
                },
                now,
            )
        )
        month = first
        while month < TODAY.replace(day=1):
            sequence += 1
            issue = (month + timedelta(days=32)).replace(day=1)
            gross = rng.randint(5_000, 200_000)
            invoice_id = uuid7()
            invoices.append(
                _synced(
                    {
                        "id": invoice_id,
                        "provider_id": provider_id,
                        "kind": InvoiceKind.INVOICE,
                        "status": InvoiceStatus.ISSUED,
                        "period_start": month,
                        "number": f"F{issue.year}-{sequence:06d}",
                        "sequence": sequence,
                        "issue_date": issue,
                        "due_date": issue + timedelta(days=30),
                        "issued_at": now,
                        "buyer_name": f"Prestataire {provider_id.hex[:6]}",
                        "buyer_address": "Paris",
                        "vat_territory": "metropole",
                        "net_cents": gross * 5 // 6,
                        "vat_cents": gross - gross * 5 // 6,
                        "gross_cents": gross,
                    },
                    now,
                )
            )
            if issue + timedelta(days=30) < TODAY and rng.random() < 0.97:
                debit_id = uuid7()
                payments.append(
                    _synced(
                        {
                            "id": debit_id,
                            "provider_id": provider_id,
                            "invoice_id": invoice_id,
                            "kind": PaymentKind.DIRECT_DEBIT,
                            "amount_cents": gross,
                            "received_on": issue + timedelta(days=30),
                            "reference": "",
                            "mandate_id": mandate_id,
                            "recorded_at": now,
                        },
                        now,
                    )
                )
                if rng.random() < 0.01:
                    payments.append(
                        _synced(
                            {
                                "provider_id": provider_id,
                                "invoice_id": invoice_id,
                                "kind": PaymentKind.REJECT,
                                "amount_cents": -gross,
                                "received_on": issue + timedelta(days=33),
                                "reference": "",
                                "rejects_payment_id": debit_id,
                                "reject_code": "AM04",
                                "recorded_at": now,
                            },
                            now,
                        )
                    )
            month = issue
    with sessions.begin() as session:
        session.execute(insert(SepaMandate), mandates)
        for start in range(0, len(invoices), 5000):
            session.execute(insert(Invoice), invoices[start : start + 5000])
        for start in range(0, len(payments), 5000):
            session.execute(insert(Payment), payments[start : start + 5000])
    return providers, len(invoices)


def _median_ms(work: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(_workspace: Path) -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'books.sqlite'}"
        writer, reader = server_engines(url)
        migrate(writer)
        sessions = dispatch_sessions(writer)
        with sessions.begin() as session:
            install_reference_data(session)
        now = datetime.now(UTC)
        started = time.perf_counter()
        providers, count = _seed(sessions, now)
        seeded_s = time.perf_counter() - started
        queries = CollectionQueries(sessions)
        policy = DunningPolicy()
        one = providers[len(providers) // 2]
        listed = {
            "invoice list, every state (2,000 shown)": InvoiceFilter(),
            "invoice list, overdue only": InvoiceFilter(InvoiceState.OVERDUE),
            "invoice list, search a number": InvoiceFilter(text="F2026-0400"),
        }
        rows = [("books", f"{count:,} invoices, {PROVIDERS:,} providers",
                 f"seeded in {seeded_s:.1f} s")]  # fmt: skip
        for name, wanted in listed.items():
            ms = _median_ms(lambda w=wanted: queries.invoices(w, TODAY))
            rows.append((name, f"{ms:.0f} ms", "target < 100 ms"))
        rows += [
            ("dunning list", f"{_median_ms(lambda: queries.dunning(TODAY, policy)):.0f} ms", ""),
            ("aged balance", f"{_median_ms(lambda: queries.aged_balance(TODAY)):.0f} ms", ""),
            ("one provider's statement",
             f"{_median_ms(lambda: queries.statement(one)):.1f} ms", ""),
            ("accounting journal, one month",
             f"{_median_ms(lambda: queries.journal(date(2026, 10, 1))):.0f} ms", ""),
        ]  # fmt: skip
        collection = next_settlement_day(TODAY + timedelta(days=40))
        started = time.perf_counter()
        with sessions.begin() as session:
            made = debit_run(session, collection, now, None, policy)
        rows.append(
            (
                "debit run (server, one transaction)",
                f"{(time.perf_counter() - started) * 1000:.0f} ms",
                f"{len(made.lines):,} debits, {len(made.skipped):,} skipped",
            )
        )
        writer.dispose()
        reader.dispose()
        return rows
