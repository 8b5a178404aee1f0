"""`make run` / `make server`: the embedded server on loopback with the demo data.

python -m server.demo [--leads N] [--server-only] [--user expert1]

Builds the server's demo database once (the same French demo generator as the workstation),
starts the server on loopback, then (unless --server-only) a desktop client connected to it
with an empty workspace that fills itself by sync.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo.generator import build_demo_workspace
from app.demo.providers import REGION
from app.domain.contracts import ContractStatus
from app.domain.geography import postcode_places
from app.persistence.database import make_engine
from app.persistence.models import Category, ContractPrice, ContractVersion
from app.workspace import WorkstationFolder
from server.bootstrap import stamp_unsequenced
from server.demo_billing import seed_billing_history
from server.intake import issue_site_key
from server.persistence.database import migrate

DEMO_DIR = Path("var/demo")


def prepare(database: Path, leads: int) -> str:
    url = f"sqlite:///{database}"
    fresh = not database.exists()
    if fresh:
        summary = build_demo_workspace(database, leads)
        print(f"Server demo data: {summary.leads} leads in {summary.seconds:.1f} s")
    engine = make_engine(url)
    migrate(engine)
    stamp_unsequenced(engine)
    if fresh:
        invoices = seed_billing_history(engine, datetime.now(UTC))
        stamp_unsequenced(engine)
        print(f"Demo billing history: {invoices} invoices issued and collected")
    engine.dispose()
    return url


@dataclass(frozen=True)
class Feed:
    """New small requests posted to the server's intake while the demo runs."""

    site_key: str
    categories: tuple[str, ...]
    postcodes: tuple[tuple[str, str], ...]


def prepare_feed(url: str) -> Feed:
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        key = issue_site_key(session, "devis-maison", datetime.now(UTC))
        covered = session.scalars(
            select(Category.code)
            .join(ContractPrice, ContractPrice.category_id == Category.id)
            .join(ContractVersion, ContractVersion.id == ContractPrice.version_id)
            .where(
                ContractVersion.status == ContractStatus.ACTIVE,
                Category.needs_review.is_(False),
            )
            .distinct()
        )
        categories = tuple(sorted(covered)) or ("bathroom",)
    engine.dispose()
    places = tuple(
        (p.postcode, p.main_commune)
        for p in postcode_places().values()
        if p.departement_code in REGION
    )
    return Feed(key, categories, places)


def feed_leads(server_url: str, feed: Feed, every_seconds: float, stop: threading.Event) -> None:
    """Post a consumer request every few seconds, as the web forms would: released at once
    (no budget given), then dispatched by the server to the contracts that cover it."""
    rng = random.Random()
    people = Faker("fr_FR")
    while not stop.wait(every_seconds):
        postcode, city = rng.choice(feed.postcodes)
        now = datetime.now(UTC)
        body = {
            "category": rng.choice(feed.categories),
            "first_name": people.first_name(),
            "last_name": people.last_name(),
            "phone": f"06 {rng.randrange(10, 99)} {rng.randrange(10, 99)} "
            f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}",
            "postcode": postcode,
            "city": city,
            "description": "Demande de devis (démonstration)",
            "consent": {
                "form_code": "demo-feed",
                "at": now.isoformat(),
                "wording_version": "2026-03",
            },
        }
        try:
            httpx.post(
                f"{server_url}/api/v1/intake/leads",
                json=body,
                headers={"X-Api-Key": feed.site_key},
                timeout=5,
            )
        except httpx.TransportError:
            continue


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
    parser.add_argument(
        "--user",
        default=None,
        help="account to pre-fill at sign-in (default: the last one on this workstation, "
        "else expert1)",
    )
    parser.add_argument("--workspace", type=Path, default=DEMO_DIR / "workstation.sqlite")
    parser.add_argument(
        "--feed-seconds",
        type=float,
        default=20.0,
        help="post a new consumer request this often (0: none)",
    )
    args = parser.parse_args()
    database_url = prepare(DEMO_DIR / "server.sqlite", args.leads)
    feed = prepare_feed(database_url) if args.feed_seconds > 0 else None
    stop = threading.Event()
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
        if feed is not None:
            threading.Thread(
                target=feed_leads, args=(server_url, feed, args.feed_seconds, stop), daemon=True
            ).start()
            print(f"A new consumer request every {args.feed_seconds:g} s (--feed-seconds)")
        if args.server_only:
            return server.wait()
        user = args.user or WorkstationFolder(args.workspace.parent).last_username() or "expert1"
        client = [
            sys.executable, "-m", "ui", "--workspace", str(args.workspace),
            "--server", server_url, "--demo-user", user, "--demo-clock",
        ]  # fmt: skip
        return subprocess.call(client)
    except KeyboardInterrupt:
        return 0
    finally:
        stop.set()
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
