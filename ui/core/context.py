"""The application context: one object that owns what every screen of a session needs.

A window or a dialog receives the context and takes its services, its worker threads
(`operations`), the change notification (`changes`), the remembered UI (`remembered`) and the
server's commands from it, instead of each window wiring its own services from a session
factory. One context lives for one signed-in account; it is built at sign-in
(`ui/session/session.py`) and closed at sign-out.

Services are created once, on first use, and are thread-safe: each call opens its own
database session, so they are called from the worker threads of `operations`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from app.clock import Clock
from app.demand.forecast import DemandHistory
from app.services.auth import StaffMember
from app.services.demand_history import DemandSelection
from app.settings import Settings
from app.workspace import Workspace
from ui.core.changes import ChangeBus
from ui.core.operations import Operations
from ui.core.remembered import Remembered

if TYPE_CHECKING:  # the services are imported when first used: billing pulls in PDF and XML
    # libraries that an expert's session never needs (start-up time and memory).
    from app.services.billing.collection import CollectionService
    from app.services.billing.collection_queries import CollectionQueries
    from app.services.billing.disputes import DisputeService
    from app.services.contracts.contract_queries import ContractQueries
    from app.services.contracts.contracts import ContractService
    from app.services.leads.lead_actions import LeadActions
    from app.services.leads.queue import QueueReader
    from app.services.leads.unsold import UnsoldQueries
    from app.services.providers.provider_activities import ProviderActivities
    from app.services.providers.provider_queries import ProviderQueries
    from app.services.providers.providers import ProviderService

# Opens a tel: link with the workstation's softphone; False when nothing handles tel: links.
Dialer = Callable[[str], bool]
ServerCall = Callable[..., Awaitable[Any]]
DemandSource = Callable[[DemandSelection], DemandHistory | Awaitable[DemandHistory]]


@dataclass(frozen=True)
class ServerCalls:
    """The central server's commands a screen may call; None when there is no server."""

    redispatch: ServerCall | None = None
    invoice_run: ServerCall | None = None
    debit_run: ServerCall | None = None
    credit_note: ServerCall | None = None
    sign_in_locks: ServerCall | None = None
    unlock_sign_in: ServerCall | None = None
    set_account_active: ServerCall | None = None
    demand_history: DemandSource | None = None
    search_leads: ServerCall | None = None
    lead_detail: ServerCall | None = None


@dataclass
class AppContext:
    workspace: Workspace
    user: StaffMember
    clock: Clock
    dialer: Dialer
    settings: Settings = field(default_factory=Settings)
    server: ServerCalls = field(default_factory=ServerCalls)
    clock_note: str = ""
    changes: ChangeBus = field(default_factory=ChangeBus)
    remembered: Remembered = field(default_factory=Remembered)
    operations: Operations = field(init=False)

    def __post_init__(self) -> None:
        self.operations = Operations(self.changes)

    @property
    def linked(self) -> bool:
        """This workstation syncs with a central server."""
        return self.server.redispatch is not None or self.server.invoice_run is not None

    def close(self) -> None:
        """At sign-out: wait for running work, then let go of the threads."""
        self.operations.shutdown()

    # -- services (created on first use; each call opens its own session) -----------------

    @cached_property
    def queue(self) -> QueueReader:
        from app.services.leads.queue import QueueReader

        return QueueReader(self.workspace.sessions, self.clock, self.settings.calling)

    @cached_property
    def lead_actions(self) -> LeadActions:
        from app.services.leads.lead_actions import LeadActions

        return LeadActions(
            self.workspace.sessions,
            self.clock,
            self.user,
            self.settings.calling,
            self.settings.queue,
        )

    @cached_property
    def unsold(self) -> UnsoldQueries:
        from app.services.leads.unsold import UnsoldQueries

        return UnsoldQueries(self.workspace.sessions)

    @cached_property
    def providers(self) -> ProviderService:
        from app.services.providers.providers import ProviderService

        return ProviderService(self.workspace.sessions, self.clock, self.user)

    @cached_property
    def provider_queries(self) -> ProviderQueries:
        from app.services.providers.provider_queries import ProviderQueries

        return ProviderQueries(self.workspace.sessions)

    @cached_property
    def provider_activities(self) -> ProviderActivities:
        from app.services.providers.provider_activities import ProviderActivities

        return ProviderActivities(
            self.workspace.sessions, self.clock, self.user, self.settings.office_hours
        )

    @cached_property
    def contracts(self) -> ContractService:
        from app.services.contracts.contracts import ContractService

        return ContractService(self.workspace.sessions, self.clock, self.user)

    @cached_property
    def contract_queries(self) -> ContractQueries:
        from app.services.contracts.contract_queries import ContractQueries

        return ContractQueries(self.workspace.sessions)

    @cached_property
    def disputes(self) -> DisputeService:
        from app.services.billing.disputes import DisputeService

        return DisputeService(
            self.workspace.sessions, self.clock, self.user, self.settings.dispatch
        )

    @cached_property
    def collection_queries(self) -> CollectionQueries:
        from app.services.billing.collection_queries import CollectionQueries

        return CollectionQueries(self.workspace.sessions)

    @cached_property
    def collection(self) -> CollectionService:
        from app.services.billing.collection import CollectionService

        return CollectionService(
            self.workspace.sessions, self.clock, self.user, self.settings.dunning
        )
