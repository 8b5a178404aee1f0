"""`python -m server`: run the central server with uvicorn."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import uvicorn

from app.persistence.database import make_engine
from server.bootstrap import repair_future_clocks, stamp_unsequenced
from server.config import ServerConfig
from server.persistence.database import migrate


def main() -> None:
    parser = argparse.ArgumentParser(description="Serveur central du CRM")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: embedded SQLite)")
    args = parser.parse_args()
    if args.database_url:
        os.environ["CRM_SERVER_DATABASE_URL"] = args.database_url
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    config = ServerConfig.from_environment()
    if config.database_url.startswith("sqlite:///"):
        Path(config.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    engine = make_engine(config.database_url)
    migrate(engine)
    # Rows a bulk load or an earlier version left unnumbered would never reach a workstation.
    stamp_unsequenced(engine)
    # Stamps far in the future (let in by an earlier version) would make later edits lose.
    repair_future_clocks(engine, max_ahead=config.clock_max_ahead)
    engine.dispose()
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        # Longer than a workstation's 5 s sync interval: with uvicorn's default (5 s) the server
        # closed idle connections just as clients reused them ("disconnected without a response").
        timeout_keep_alive=75,
    )


if __name__ == "__main__":
    main()
