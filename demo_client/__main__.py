"""python -m demo_client [the options of python -m ui]: a missing or damaged local workspace
is replaced by a demo one (DEMO_LEADS leads)."""

from __future__ import annotations

import sys
from pathlib import Path

from app.demo.generator import build_demo_workspace
from ui.__main__ import main

DEMO_LEADS = 20_000


def build_demo(path: Path) -> None:
    build_demo_workspace(path, DEMO_LEADS)


if __name__ == "__main__":
    sys.exit(main(build_new=build_demo))
