"""Demand simulation and prospect import figures, on the 600,000-lead bench workspace."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from app.demand.forecast import DemandPolicy
from app.demand.simulation import SimulationRequest, simulate
from app.demo.providers import write_prospect_csv
from app.domain.enums import Role
from app.persistence.models import Category
from app.services.auth import StaffMember
from app.services.demand_history import DemandSelection, RadiusZone, read_demand_history
from app.services.providers.prospect_import import apply_plan, guess_mapping, prepare, read_csv
from app.services.providers.providers import ProviderService
from app.workspace import create_workspace, open_workspace


def _simulation_ms(workspace_path: Path, selection_of: object) -> float:
    workspace = open_workspace(workspace_path)
    try:
        with workspace.sessions() as session:
            categories = tuple(session.scalars(select(Category.id).order_by(Category.code)))
        selection = selection_of(categories)  # type: ignore[operator]
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            with workspace.sessions() as session:
                history = read_demand_history(session, selection, datetime.now(UTC))
            simulate(SimulationRequest(("c",), ("z",), 2500, 25), history, DemandPolicy(),
                     datetime.now(UTC), 3)  # fmt: skip
            runs.append((time.perf_counter() - started) * 1000)
        return statistics.median(runs)
    finally:
        workspace.close()


def run(workspace_path: Path) -> list[tuple[str, str, str]]:
    cases = (
        ("simulation: 2 categories, Paris and inner suburbs",
         lambda c: DemandSelection(c[:2], ("75", "92", "93", "94"))),
        ("simulation: 2 categories, Lyon + 30 km",
         lambda c: DemandSelection(c[:2], (), (RadiusZone("69003", 30),))),
        ("simulation: 5 categories, 13 départements",
         lambda c: DemandSelection(c[:5], tuple(f"{d:02d}" for d in range(1, 14)))),
        ("simulation: every category, all of France (worst case)",
         lambda c: DemandSelection(c, tuple(f"{d:02d}" for d in range(1, 96)))),
    )  # fmt: skip
    rows = [
        (name, f"{_simulation_ms(workspace_path, selection):.0f} ms", "target < 1 s")
        for name, selection in cases
    ]
    with tempfile.TemporaryDirectory() as folder:
        workspace = create_workspace(Path(folder) / "import.sqlite")
        try:
            rep = StaffMember(__import__("uuid").uuid4(), "bench", "Bench", Role.SALES)
            from app.persistence.models import User

            with workspace.sessions.begin() as session:
                session.add(User(id=rep.id, username="bench", display_name="Bench",
                                 role=Role.SALES, password_hash="x"))  # fmt: skip
            csv_path = write_prospect_csv(Path(folder) / "prospects.csv", 50_000)
            started = time.perf_counter()
            csv_file = read_csv(csv_path)
            with workspace.sessions() as session:
                plan = prepare(session, csv_file, guess_mapping(csv_file.headers))
            checked = time.perf_counter() - started
            result = apply_plan(
                ProviderService(workspace.sessions, lambda: datetime.now(UTC), rep), plan
            )
            total = time.perf_counter() - started
        finally:
            workspace.close()
        shutil.rmtree(folder, ignore_errors=True)
    rows += [
        ("prospect CSV, 50,000 rows: read and check", f"{checked:.1f} s",
         f"{len(plan.bad):,} bad rows, {len(plan.duplicates):,} duplicates"),
        ("prospect CSV, 50,000 rows: end to end", f"{total:.1f} s",
         f"{result.created:,} providers created"),
    ]  # fmt: skip
    return rows
