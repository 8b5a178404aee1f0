"""Server settings, from the environment (one URL chooses the database)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from app.dispatch.matching import DispatchPolicy

DEFAULT_DATABASE = Path("var/server/server.sqlite")


@dataclass(frozen=True)
class ServerConfig:
    database_url: str
    token_hours: float = 12.0
    intake_per_minute: int = 120
    page_limit: int = 5000
    dispatch: DispatchPolicy = field(default_factory=DispatchPolicy)

    @classmethod
    def from_environment(cls) -> ServerConfig:
        url = os.environ.get("CRM_SERVER_DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE}"
        return cls(
            database_url=url,
            token_hours=float(os.environ.get("CRM_SERVER_TOKEN_HOURS", "12")),
            intake_per_minute=int(os.environ.get("CRM_SERVER_INTAKE_PER_MINUTE", "120")),
        )
