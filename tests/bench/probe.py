"""Child process of the benchmark: starts the app (or a bare window) and measures it.

python -m tests.bench.probe app|bare WORKSPACE
Prints one JSON line: timings in milliseconds and peak memory in MB.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402

from app.services.auth import sign_in  # noqa: E402
from app.workspace import open_workspace  # noqa: E402
from ui.core.context import AppContext  # noqa: E402
from ui.core.demo_clock import clock_in_calling_hours  # noqa: E402
from ui.queue.main_window import MainWindow  # noqa: E402


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def peak_memory_mb() -> float:
    """This process image's peak resident memory. VmHWM starts afresh at exec, unlike
    ru_maxrss, which keeps the size of the parent the process was forked from."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed(action, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return ms(statistics.median(samples))


def main() -> None:
    mode, workspace_path = sys.argv[1], Path(sys.argv[2])
    app = QApplication([])
    if mode == "bare":
        window = QMainWindow()
        window.resize(1400, 860)
        window.show()
        app.processEvents()
        print(json.dumps({"start_ms": ms(time.perf_counter() - STARTED)}))
        return

    workspace = open_workspace(workspace_path)
    user = sign_in(workspace.sessions, "expert1", "demo")
    clock, _ = clock_in_calling_hours()
    main_window = MainWindow(AppContext(workspace, user, clock, lambda _url: True))
    main_window.show()
    app.processEvents()
    while main_window.model.loading:  # the first page is read on a worker thread
        app.processEvents()
        time.sleep(0.0005)
    start_ms = ms(time.perf_counter() - STARTED)

    def settled(action):  # type: ignore[no-untyped-def]
        """The action and the background reads it started, until the screen shows them."""

        def run() -> None:
            action()
            while not main_window.context.operations.idle:
                app.processEvents()
                time.sleep(0.0005)

        return run

    reader = main_window.reader
    with workspace.engine.connect() as connection:
        phones = [r[0] for r in connection.exec_driver_sql(
            "SELECT phone_e164 FROM leads ORDER BY random() LIMIT 20")]  # fmt: skip
        names = [r[0][:3] for r in connection.exec_driver_sql(
            "SELECT last_name FROM leads ORDER BY random() LIMIT 20")]  # fmt: skip
    rng = random.Random(1)
    result = {
        "start_ms": start_ms,
        "queue_rows": main_window.model.rowCount(),
        "refresh_ms": timed(settled(main_window.refresh), 20),
        "next_lead_ms": timed(settled(main_window.next_lead), 20),
        "search_phone_ms": timed(lambda: reader.search(rng.choice(phones)), 20),
        "search_name_ms": timed(lambda: reader.search(rng.choice(names)), 20),
        "peak_mb": peak_memory_mb(),
    }
    print(json.dumps(result), flush=True)
    # As the app does at exit: the window, then the session's worker threads.
    main_window.close()
    main_window.context.close()
    main_window.deleteLater()
    app.processEvents()


if __name__ == "__main__":
    main()
