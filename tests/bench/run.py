"""make bench: figures on a 600,000-lead workspace, printed, never asserted.

Builds the workspace once (var/bench/), then starts the app and a bare PySide6 window with
the same imports several times each in fresh processes, and prints the medians.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / "var" / "bench" / "workspace-600k.sqlite"
LEADS = int(os.environ.get("BENCH_LEADS", "600000"))
RUNS = 5


def probe(mode: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "tests.bench.probe", mode, str(WORKSPACE)],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")},
    )  # fmt: skip
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    if not WORKSPACE.exists():
        WORKSPACE.parent.mkdir(parents=True, exist_ok=True)
        print(f"Building a {LEADS:,}-lead workspace in {WORKSPACE} …", flush=True)
        # In a process of its own: this one stays small, and so do the probes it forks.
        command = ["-m", "app.demo", "--workspace", str(WORKSPACE), "--leads", str(LEADS)]
        subprocess.run([sys.executable, *command], cwd=ROOT, check=True)
    size_mb = WORKSPACE.stat().st_size / 1e6
    bare = [probe("bare")["start_ms"] for _ in range(RUNS)]
    runs = [probe("app") for _ in range(RUNS)]

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    bare_ms = statistics.median(bare)
    rows = [
        ("workspace", f"{LEADS:,} leads, {size_mb:,.0f} MB", ""),
        ("bare PySide6 window, same imports", f"{bare_ms:.0f} ms", ""),
        ("cold start to the queue shown", f"{median('start_ms'):.0f} ms",
         f"{median('start_ms') / bare_ms:.2f} x bare (target < 2 x)"),
        ("queue refresh", f"{median('refresh_ms'):.1f} ms", "target < 50 ms"),
        ("next lead", f"{median('next_lead_ms'):.1f} ms", "target < 50 ms"),
        ("search by phone", f"{median('search_phone_ms'):.1f} ms", "target < 50 ms"),
        ("search by name prefix", f"{median('search_name_ms'):.1f} ms", "target < 50 ms"),
        ("peak memory (app process)", f"{max(r['peak_mb'] for r in runs):.0f} MB",
         "target < 250 MB"),
    ]  # fmt: skip
    print_rows(f"Benchmark (medians of {RUNS} fresh processes; rows loaded: "
               f"{runs[0]['queue_rows']})", rows)  # fmt: skip
    from tests.bench.sync_bench import run as sync_figures

    print_rows("Sync and intake (a real server process on loopback)", sync_figures(WORKSPACE))
    from tests.bench.prospecting_bench import run as prospecting_figures

    print_rows(
        "Demand simulation (medians of 5) and prospect import", prospecting_figures(WORKSPACE)
    )
    from tests.bench.dispatch_bench import run as dispatch_figures

    print_rows("Dispatch of released leads to contracts", dispatch_figures(WORKSPACE))
    from tests.bench.collection_bench import run as collection_figures

    print_rows("Invoicing and collection (medians of 5)", collection_figures(WORKSPACE))


def print_rows(title: str, rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{title}")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>22}  {note}")


if __name__ == "__main__":
    main()
