"""Exits of a synced session never abort on the bindings' lost references to None/True.

The counts are read in a fresh interpreter (the test session itself is protected by the
conftest), after the kind of work a synced session does: worker-thread hops on qasync's
loop, timers and clicks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SESSION = """
import asyncio, sys
import qasync
from PySide6.QtWidgets import QApplication, QPushButton
if sys.argv[1] == "protected":
    from ui.core.qt_runtime import keep_singletons_alive
    keep_singletons_alive()
app = QApplication(sys.argv[:1])
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
button = QPushButton("x")
button.clicked.connect(lambda: None)
start = sys.getrefcount(None), sys.getrefcount(True)

async def work():
    for _ in range(500):
        await asyncio.to_thread(lambda: None)
        button.click()

with loop:
    loop.run_until_complete(work())
print(start[0] - sys.getrefcount(None), start[1] - sys.getrefcount(True), sys.getrefcount(True))
"""


def run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SESSION, mode],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_singletons_outlive_what_the_bindings_take_from_them() -> None:
    done = run("protected")
    assert done.returncode == 0, done.stderr
    assert "Fatal Python error" not in done.stderr
    _lost_none, _lost_true, true_count = map(int, done.stdout.split())
    assert true_count > 1 << 39  # whatever was lost, the count cannot reach zero
