"""Dispatch figures: placing released leads on a copy of the 600,000-lead bench workspace with
300 active contracts, one transaction per lead as the server does."""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select, update

from app.dispatch.matching import DispatchPolicy
from app.domain.contracts import ContractStatus
from app.domain.enums import LeadStatus
from app.persistence.models import (
    Category,
    Contract,
    ContractPrice,
    ContractVersion,
    ContractZone,
    Lead,
)
from app.reference import departements
from server.dispatch import backfill_candidates, dispatch_lead, dispatch_sessions
from server.persistence.database import migrate, server_engines
from tests.contract_fixtures import add_provider

CONTRACTS = 300
PLACEMENTS = 2000


def run(workspace_path: Path) -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "server.sqlite"
        shutil.copyfile(workspace_path, copy)
        url = f"sqlite:///{copy}"
        writer, reader = server_engines(url)
        migrate(writer)
        sessions = dispatch_sessions(writer)
        now = datetime.now(UTC)
        rng = random.Random(5)
        metro = [c for c in departements() if len(c) == 2]
        with sessions.begin() as session:
            categories = list(session.scalars(select(Category.id)))
            versions = []
            for n in range(CONTRACTS):
                dep = rng.choice(metro)
                postcode = (dep if dep.isdigit() else "20") + "000"
                provider_id = add_provider(session, f"Bench {n}", postcode, now)
                contract = Contract(provider_id=provider_id, reference=f"B{n}")
                session.add(contract)
                session.flush()
                version = ContractVersion(
                    contract_id=contract.id,
                    number=1,
                    status=ContractStatus.ACTIVE,
                    status_changed_at=now,
                    starts_on=date(2026, 1, 1),
                    sharing_level=rng.choice((1, 2, 3, 3, 3)),
                    cap_leads=rng.choice((None, 20, 50, 100)),
                )
                session.add(version)
                session.flush()
                versions.append(version.id)
                for category_id in rng.sample(categories, 4):
                    session.add(
                        ContractPrice(
                            version_id=version.id, category_id=category_id, price_cents=2500
                        )
                    )
                for code in {dep, *rng.sample(metro, 2)}:
                    session.add(ContractZone(version_id=version.id, departement_code=code))
        with sessions() as session:
            leads = list(
                session.scalars(
                    select(Lead.id).order_by(Lead.submitted_at.desc()).limit(PLACEMENTS)
                )
            )
        with sessions.begin() as session:
            session.execute(
                update(Lead).where(Lead.id.in_(leads)).values(status=LeadStatus.RELEASED)
            )
        policy = DispatchPolicy()
        timings, sold = [], 0
        started_all = time.perf_counter()
        for lead_id in leads:
            started = time.perf_counter()
            with sessions.begin() as session:
                placed = dispatch_lead(session, lead_id, now, policy)
            timings.append((time.perf_counter() - started) * 1000)
            sold += bool(placed.sold_to)
        elapsed = time.perf_counter() - started_all
        started = time.perf_counter()
        with sessions() as session:
            backlog = backfill_candidates(
                session, versions[0], now, DispatchPolicy(backfill_days=30)
            )
        backlog_ms = (time.perf_counter() - started) * 1000
        writer.dispose()
        reader.dispose()
    timings.sort()
    return [
        ("contracts in force", f"{CONTRACTS}", "4 categories, 1-3 départements each"),
        ("leads placed", f"{PLACEMENTS:,}", f"{sold:,} sold, the rest unsold with a reason"),
        ("placement, median", f"{statistics.median(timings):.1f} ms", "one transaction per lead"),
        ("placement, 95th percentile", f"{timings[int(len(timings) * 0.95)]:.1f} ms", ""),
        ("placements per second", f"{PLACEMENTS / elapsed:,.0f}", "one worker, SQLite"),
        ("backfill search (30 days)", f"{backlog_ms:.0f} ms", f"{len(backlog)} candidates"),
    ]
