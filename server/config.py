"""Server settings, from the environment (one URL chooses the database)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from app.billing.dunning import DunningPolicy
from app.dispatch.matching import DispatchPolicy
from sync.hlc import MAX_AHEAD

DEFAULT_DATABASE = Path("var/server/server.sqlite")
# The dispatch rules a deployment may change (docs/domain-rules.md defaults otherwise).
_DISPATCH_VARIABLES = {
    "max_providers_per_lead": "CRM_DISPATCH_MAX_PROVIDERS_PER_LEAD",
    "backfill_days": "CRM_DISPATCH_BACKFILL_DAYS",
    "dispute_window_days": "CRM_DISPUTE_WINDOW_DAYS",
}


@dataclass(frozen=True)
class ServerConfig:
    database_url: str
    token_hours: float = 12.0
    intake_per_minute: int = 120
    page_limit: int = 5000
    dispatch: DispatchPolicy = field(default_factory=DispatchPolicy)
    dunning: DunningPolicy = field(default_factory=DunningPolicy)
    # The periodic sweep: suspensions for unpaid invoices (and resumptions), released leads
    # left unplaced. Each worker runs it; every step it takes is idempotent.
    sweep_seconds: float = 600.0
    # How far ahead of the server's time a pushed HLC stamp may be (sync.hlc.MAX_AHEAD says
    # why five minutes); further, the operation is refused and the workstation stamps it
    # again. Workstations use MAX_AHEAD for the clocks they observe: keep this at most that.
    clock_max_ahead: timedelta = MAX_AHEAD

    @classmethod
    def from_environment(cls) -> ServerConfig:
        url = os.environ.get("CRM_SERVER_DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE}"
        return cls(
            database_url=url,
            token_hours=float(os.environ.get("CRM_SERVER_TOKEN_HOURS", "12")),
            intake_per_minute=int(os.environ.get("CRM_SERVER_INTAKE_PER_MINUTE", "120")),
            dispatch=DispatchPolicy(
                **{
                    name: int(os.environ[variable])
                    for name, variable in _DISPATCH_VARIABLES.items()
                    if variable in os.environ
                }
            ),
            dunning=DunningPolicy(
                suspend_after_days=int(os.environ.get("CRM_DUNNING_SUSPEND_AFTER_DAYS", "45")),
                prenotice_days=int(os.environ.get("CRM_SEPA_PRENOTICE_DAYS", "14")),
            ),
            sweep_seconds=float(os.environ.get("CRM_SERVER_SWEEP_SECONDS", "600")),
            clock_max_ahead=timedelta(
                seconds=float(
                    os.environ.get(
                        "CRM_SERVER_CLOCK_MAX_AHEAD_SECONDS", str(MAX_AHEAD.total_seconds())
                    )
                )
            ),
        )
