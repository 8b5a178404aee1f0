"""`make run` / `make server`: the embedded server on loopback with the demo data.

python -m server.demo [--leads N] [--server-only] [--user expert1]

Builds the server's demo database once (the same French demo generator as the workstation),
starts the server on loopback, then (unless --server-only) a desktop client connected to it
with an empty workspace that fills itself by sync.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.demo.generator import build_demo_workspace
from app.persistence.database import make_engine
from server.bootstrap import stamp_unsequenced
from server.persistence.database import migrate

DEMO_DIR = Path("var/demo")


def prepare(database: Path, leads: int) -> str:
    url = f"sqlite:///{database}"
    if not database.exists():
        summary = build_demo_workspace(database, leads)
        print(f"Server demo data: {summary.leads} leads in {summary.seconds:.1f} s")
    engine = make_engine(url)
    migrate(engine)
    stamp_unsequenced(engine)
    engine.dispose()
    return url


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/hello", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer at {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Serveur de démonstration (et client)")
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--server-only", action="store_true")
    parser.add_argument("--user", default="expert1")
    parser.add_argument("--workspace", type=Path, default=DEMO_DIR / "workstation.sqlite")
    args = parser.parse_args()
    database_url = prepare(DEMO_DIR / "server.sqlite", args.leads)
    server_url = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server",
            "--port",
            str(args.port),
            "--database-url",
            database_url,
        ]
    )
    try:
        wait_until_up(server_url)
        print(f"Server on {server_url} (database {database_url})")
        if args.server_only:
            return server.wait()
        client = [
            sys.executable, "-m", "ui", "--workspace", str(args.workspace),
            "--server", server_url, "--demo-user", args.user, "--demo-clock",
        ]  # fmt: skip
        return subprocess.call(client)
    except KeyboardInterrupt:
        return 0
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
