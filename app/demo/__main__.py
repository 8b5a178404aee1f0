"""python -m app.demo --workspace PATH --leads N [--if-missing] [--seed S]"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from app.demo.generator import build_demo_workspace
from app.workspace import WorkspaceError, open_workspace


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a demo workspace with French demo data.")
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--if-missing", action="store_true",
                        help="keep an existing valid workspace instead of failing")  # fmt: skip
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    if args.workspace.exists():
        if args.if_missing:
            try:
                open_workspace(args.workspace).close()
                print(f"Demo workspace already present: {args.workspace}")
                return 0
            except WorkspaceError as exc:
                print(f"Existing workspace unusable ({exc.detail}); the app will offer a way out.")
                return 0
        print(f"{args.workspace} exists; remove it first.", file=sys.stderr)
        return 1
    summary = build_demo_workspace(args.workspace, args.leads, args.seed)
    print(
        f"Demo workspace {args.workspace}: {summary.leads} leads, {summary.journey_events} "
        f"journey events, {summary.call_attempts} call attempts in {summary.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
