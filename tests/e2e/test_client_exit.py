"""The synced desktop client exits cleanly, again and again (issue 13, item 2): it used to
abort in about half of the exits with "Fatal Python error: bool_dealloc" (exit code 134,
"Error 250" from make)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import ROOT


@pytest.mark.parametrize("server_database", ["sqlite"], indirect=True)
def test_the_synced_client_starts_and_quits_cleanly_several_times(server, tmp_path: Path) -> None:
    workspace = tmp_path / "pc" / "workstation.sqlite"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    runs = [("expert1", "close"), ("sales1", "signout"), ("manager1", "close")] * 2
    for user, mode in runs:
        done = subprocess.run(
            [sys.executable, "-m", "tests.e2e.client_driver", mode, "--",
             "--workspace", str(workspace), "--server", server.url, "--demo-user", user],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert "Fatal Python error" not in done.stderr, done.stderr[-2000:]
        assert done.returncode == 0, (user, mode, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, done.stderr[-2000:]
    accounts = sorted(p.name for p in workspace.parent.glob("*.sqlite"))
    assert len(accounts) == 3  # one workspace per account
