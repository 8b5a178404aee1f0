"""SQLAlchemy models of the workstation database, which the server's database also holds.

Every synced table carries the columns of `SyncedRow`: a UUID born where the record is,
created/updated times, a tombstone flag, the server sequence it was last seen at, and the
hybrid-logical-clock stamps that field-level merge compares (`hlc` for the row as created,
`field_clocks` for fields edited since, as JSON {field: [hlc, user id]}).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.clock import utc_now
from app.ids import uuid7
from app.persistence.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class SyncedRow:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    server_seq: Mapped[int | None] = mapped_column(BigInteger, default=None, index=True)
    hlc: Mapped[str] = mapped_column(String(40), default="")
    field_clocks: Mapped[str] = mapped_column(Text, default="{}")


class User(SyncedRow, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    team: Mapped[str | None] = mapped_column(String(64), default=None)


class Sector(SyncedRow, Base):
    __tablename__ = "sectors"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # A lead whose estimated budget reaches this amount goes to the qualification queue.
    qualification_threshold_cents: Mapped[int] = mapped_column(BigInteger)

    categories: Mapped[list[Category]] = relationship(back_populates="sector")


class Category(SyncedRow, Base):
    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    sector_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sectors.id"))
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    # No contract may sell this category's leads for less (excl. VAT).
    floor_price_cents: Mapped[int] = mapped_column(BigInteger, default=0)

    sector: Mapped[Sector] = relationship(back_populates="categories")


class Site(SyncedRow, Base):
    __tablename__ = "sites"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    domain: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # SiteKind
    partner_name: Mapped[str | None] = mapped_column(String(160), default=None)


class Lead(SyncedRow, Base):
    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_status_priority", "status", "priority_key"),
        Index("ix_leads_search_name", "search_name"),
        Index("ix_leads_phone", "phone_e164"),
        Index("ix_leads_postcode", "postcode"),
        Index("ix_leads_submitted_at", "submitted_at"),
        # Covers the demand simulation's count by category, zone and month.
        Index("ix_leads_demand", "category_id", "departement_code", "submitted_at", "postcode"),
    )

    number: Mapped[int] = mapped_column(BigInteger, unique=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    civility: Mapped[str | None] = mapped_column(String(8), default=None)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    # "last first" in lower case without accents: name-prefix search reads an index range.
    search_name: Mapped[str] = mapped_column(String(170))
    phone_e164: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255), default=None)
    address_line: Mapped[str | None] = mapped_column(String(255), default=None)
    postcode: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120))
    departement_code: Mapped[str] = mapped_column(String(3))

    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("categories.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    budget_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    desired_start: Mapped[str] = mapped_column(String(20))  # DesiredStart
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"))

    # Proof of the consumer's request and consent to be called back about it.
    consent_form_code: Mapped[str | None] = mapped_column(String(80), default=None)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    consent_wording_version: Mapped[str | None] = mapped_column(String(40), default=None)

    status: Mapped[str] = mapped_column(String(16))  # LeadStatus
    interest_score: Mapped[int] = mapped_column(Integer, default=0)
    priority_key: Mapped[float] = mapped_column(Double, default=0.0)
    call_attempt_count: Mapped[int] = mapped_column(Integer, default=0)

    # Result of the re-qualification call.
    qualified_budget_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    qualified_start: Mapped[str | None] = mapped_column(String(20), default=None)
    qualified_scope: Mapped[str | None] = mapped_column(Text, default=None)
    qualification_note: Mapped[str | None] = mapped_column(Text, default=None)
    contact_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    qualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    qualified_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)

    close_reason: Mapped[str | None] = mapped_column(String(24), default=None)
    close_comment: Mapped[str | None] = mapped_column(Text, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The consumer may ask to be put in touch with fewer providers than the default.
    max_providers: Mapped[int | None] = mapped_column(Integer, default=None)

    category: Mapped[Category] = relationship()
    site: Mapped[Site] = relationship()

    @property
    def has_consent_proof(self) -> bool:
        return bool(self.consent_form_code and self.consent_at and self.consent_wording_version)


class JourneyEvent(SyncedRow, Base):
    """A page or form step the consumer went through before submitting. Append-only."""

    __tablename__ = "journey_events"
    __table_args__ = (Index("ix_journey_events_lead", "lead_id", "occurred_at"),)

    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))  # JourneyEventKind
    label: Mapped[str] = mapped_column(String(255))
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    optional_step: Mapped[bool] = mapped_column(Boolean, default=False)


class CallAttempt(SyncedRow, Base):
    """One call or call attempt to a consumer. Append-only."""

    __tablename__ = "call_attempts"
    __table_args__ = (
        Index("ix_call_attempts_phone", "phone_e164", "started_at"),
        Index("ix_call_attempts_lead", "lead_id", "started_at"),
    )

    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id"))
    phone_e164: Mapped[str] = mapped_column(String(20))
    caller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    disposition: Mapped[str] = mapped_column(String(24))  # Disposition
    notes: Mapped[str] = mapped_column(Text, default="")
    by_consent: Mapped[bool] = mapped_column(Boolean, default=False)

    caller: Mapped[User] = relationship()


class Callback(SyncedRow, Base):
    __tablename__ = "callbacks"
    __table_args__ = (
        Index("ix_callbacks_status_due", "status", "due_at"),
        Index("ix_callbacks_lead", "lead_id"),
    )

    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # The consumer's express request for this slot: the legal exception to calling hours.
    consumer_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12))  # CallbackStatus
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    assigned_to: Mapped[User] = relationship(foreign_keys=[assigned_to_id])


class LeadStatusChange(SyncedRow, Base):
    """Audit of every status change of a lead. Append-only."""

    __tablename__ = "lead_status_changes"
    __table_args__ = (Index("ix_lead_status_changes_lead", "lead_id", "changed_at"),)

    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User | None] = relationship()


class Opposition(SyncedRow, Base):
    """A consumer who said "never call me again". Kept at least 3 years (CNIL)."""

    __tablename__ = "oppositions"
    __table_args__ = (Index("ix_oppositions_phone", "phone_e164"),)

    phone_e164: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    lead_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("leads.id"), default=None)
    note: Mapped[str] = mapped_column(Text, default="")


class Provider(SyncedRow, Base):
    """A company that buys, or could buy, our leads."""

    __tablename__ = "providers"
    __table_args__ = (
        Index("ix_providers_owner_stage", "owner_id", "stage"),
        Index("ix_providers_search_name", "search_name"),
        Index("ix_providers_siren", "siren"),
        Index("ix_providers_phone", "phone_e164"),
        Index("ix_providers_postcode", "postcode"),
    )

    company_name: Mapped[str] = mapped_column(String(160))
    # Lower case, no accents, no legal form: what list search and duplicate matching compare.
    search_name: Mapped[str] = mapped_column(String(160))
    legal_form: Mapped[str | None] = mapped_column(String(16), default=None)
    siren: Mapped[str | None] = mapped_column(String(9), default=None)
    siret: Mapped[str | None] = mapped_column(String(14), default=None)
    vat_number: Mapped[str | None] = mapped_column(String(16), default=None)
    address_line: Mapped[str | None] = mapped_column(String(255), default=None)
    postcode: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120))
    departement_code: Mapped[str] = mapped_column(String(3))
    latitude: Mapped[float | None] = mapped_column(Double, default=None)
    longitude: Mapped[float | None] = mapped_column(Double, default=None)
    phone_e164: Mapped[str | None] = mapped_column(String(20), default=None)
    email: Mapped[str | None] = mapped_column(String(255), default=None)
    website: Mapped[str | None] = mapped_column(String(255), default=None)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    source: Mapped[str] = mapped_column(String(16))  # ProviderSource
    stage: Mapped[str] = mapped_column(String(20))  # ProviderStage
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lost_reason: Mapped[str | None] = mapped_column(String(24), default=None)
    # The provider's own rate of signed jobs per contacted consumer, in percent (simulation).
    closing_rate_percent: Mapped[int | None] = mapped_column(Integer, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Last call, e-mail or meeting: GDPR retention of prospects runs 3 years from it.
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    owner: Mapped[User | None] = relationship()


class ProviderContact(SyncedRow, Base):
    __tablename__ = "provider_contacts"
    __table_args__ = (Index("ix_provider_contacts_provider", "provider_id"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    full_name: Mapped[str] = mapped_column(String(160))
    role: Mapped[str] = mapped_column(String(60), default="")
    phone_e164: Mapped[str | None] = mapped_column(String(20), default=None)
    email: Mapped[str | None] = mapped_column(String(255), default=None)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class ProviderCategory(SyncedRow, Base):
    """A service category the provider covers (a tombstone when it stops)."""

    __tablename__ = "provider_categories"
    __table_args__ = (Index("ix_provider_categories_provider", "provider_id"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("categories.id"))


class ProviderZone(SyncedRow, Base):
    """Where the provider works: a whole département, or a postcode and a radius in km."""

    __tablename__ = "provider_zones"
    __table_args__ = (Index("ix_provider_zones_provider", "provider_id"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    departement_code: Mapped[str | None] = mapped_column(String(3), default=None)
    postcode: Mapped[str | None] = mapped_column(String(5), default=None)
    radius_km: Mapped[int | None] = mapped_column(Integer, default=None)


class ProviderActivity(SyncedRow, Base):
    """A call, e-mail, meeting, note or task about a provider.

    Planned items (a call to make, a task) have `due_at` and become done; logged ones have
    `done_at` from the start.
    """

    __tablename__ = "provider_activities"
    __table_args__ = (
        Index("ix_provider_activities_provider", "provider_id", "created_at"),
        Index("ix_provider_activities_user_due", "user_id", "done", "due_at"),
    )

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(12))  # ActivityKind
    subject: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)  # CallOutcome
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship()


class ProviderChange(SyncedRow, Base):
    """Audit of every change of a provider's fields, stage included. Append-only."""

    __tablename__ = "provider_changes"
    __table_args__ = (Index("ix_provider_changes_provider", "provider_id", "changed_at"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text, default=None)
    new_value: Mapped[str | None] = mapped_column(Text, default=None)


class SavedSearch(SyncedRow, Base):
    """A named set of provider-list filters, per user. `criteria` is JSON."""

    __tablename__ = "saved_searches"
    __table_args__ = (Index("ix_saved_searches_owner", "owner_id"),)

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(80))
    criteria: Mapped[str] = mapped_column(Text)


class Contract(SyncedRow, Base):
    """A provider's contract: the stable identity its versions (amendments) belong to."""

    __tablename__ = "contracts"
    __table_args__ = (Index("ix_contracts_provider", "provider_id"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    # Human-facing number, assigned by the server at the first activation.
    reference: Mapped[str | None] = mapped_column(String(20), default=None)

    provider: Mapped[Provider] = relationship()


class ContractVersion(SyncedRow, Base):
    """One version of a contract's terms: the original, then each amendment."""

    __tablename__ = "contract_versions"
    __table_args__ = (
        UniqueConstraint("contract_id", "number", name="uq_contract_versions_number"),
        Index("ix_contract_versions_status", "status", "starts_on"),
    )

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # ContractStatus
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    tacit_renewal: Mapped[bool] = mapped_column(Boolean, default=True)
    notice_days: Mapped[int] = mapped_column(Integer, default=30)
    sharing_level: Mapped[int] = mapped_column(Integer)  # 1 = exclusive
    cap_leads: Mapped[int | None] = mapped_column(Integer, default=None)
    cap_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    package_fee_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    package_leads: Mapped[int | None] = mapped_column(Integer, default=None)
    payment_days: Mapped[int] = mapped_column(Integer, default=30)
    sepa_mandate_ref: Mapped[str | None] = mapped_column(String(35), default=None)
    signed_on: Mapped[date | None] = mapped_column(Date, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")

    contract: Mapped[Contract] = relationship()


class ContractPrice(SyncedRow, Base):
    """A category a contract version buys, at a price per lead in cents excl. VAT."""

    __tablename__ = "contract_prices"
    __table_args__ = (Index("ix_contract_prices_version", "version_id"),)

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contract_versions.id"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("categories.id"))
    price_cents: Mapped[int] = mapped_column(BigInteger)


class ContractZone(SyncedRow, Base):
    """Where a contract version buys: a département, or a postcode and a radius in km."""

    __tablename__ = "contract_zones"
    __table_args__ = (Index("ix_contract_zones_version", "version_id"),)

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contract_versions.id"))
    departement_code: Mapped[str | None] = mapped_column(String(3), default=None)
    postcode: Mapped[str | None] = mapped_column(String(5), default=None)
    radius_km: Mapped[int | None] = mapped_column(Integer, default=None)


class ContractEvent(SyncedRow, Base):
    """Audit of a contract version's life cycle (each status step). Append-only."""

    __tablename__ = "contract_events"
    __table_args__ = (Index("ix_contract_events_version", "version_id", "occurred_at"),)

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contract_versions.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    from_status: Mapped[str | None] = mapped_column(String(12), default=None)
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")


class ContractRequest(SyncedRow, Base):
    """A server command on a contract version (activate, suspend, resume, terminate).

    Made on a workstation (offline too) and answered by the server, which sets `state` and
    `answer`; the answer syncs back to the workstation that shows it.
    """

    __tablename__ = "contract_requests"
    __table_args__ = (
        Index("ix_contract_requests_version", "version_id"),
        Index("ix_contract_requests_state", "state"),
    )

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contract_versions.id"))
    kind: Mapped[str] = mapped_column(String(12))  # RequestKind
    # None: made by the server itself (a suspension for unpaid invoices, and its resumption).
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    # Why the server made it ("unpaid"), so that it resumes only what it suspended.
    cause: Mapped[str | None] = mapped_column(String(12), default=None)
    state: Mapped[str] = mapped_column(String(10))  # RequestState
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class LeadSale(SyncedRow, Base):
    """A lead sold to a provider under a contract version. Written by the server only."""

    __tablename__ = "lead_sales"
    __table_args__ = (
        # Never twice to one provider, whatever races.
        UniqueConstraint("lead_id", "provider_id", name="uq_lead_sales_lead_provider"),
        Index("ix_lead_sales_contract_month", "contract_id", "sold_at"),
        Index("ix_lead_sales_provider", "provider_id", "sold_at"),
    )

    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"))
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contract_versions.id"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("categories.id"))
    # Copied from the lead when sold: reps' workstations hold no leads.
    lead_number: Mapped[int] = mapped_column(BigInteger)
    lead_postcode: Mapped[str] = mapped_column(String(5))
    lead_city: Mapped[str] = mapped_column(String(120))
    sold_at: Mapped[datetime] = mapped_column(UTCDateTime)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    # Covered by the monthly package: billed through the fee, not per lead.
    within_package: Mapped[bool] = mapped_column(Boolean, default=False)
    sharing_level: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    distance_km: Mapped[float | None] = mapped_column(Double, default=None)


class UnsoldLead(SyncedRow, Base):
    """A released lead no provider could take, and why. Cleared when a later pass sells it."""

    __tablename__ = "unsold_leads"

    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(16))  # UnsoldReason
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sold_later_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class LeadDispute(SyncedRow, Base):
    """A provider's dispute of a lead it bought, and staff's decision."""

    __tablename__ = "lead_disputes"
    __table_args__ = (
        UniqueConstraint("sale_id", name="uq_lead_disputes_sale"),
        Index("ix_lead_disputes_provider", "provider_id", "filed_at"),
    )

    sale_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lead_sales.id"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    reason: Mapped[str] = mapped_column(String(20))  # DisputeReason
    comment: Mapped[str] = mapped_column(Text, default="")
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    filed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10))  # DisputeStatus
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    decision_note: Mapped[str] = mapped_column(Text, default="")


class ProviderCredit(SyncedRow, Base):
    """Money owed back to a provider (an accepted dispute), taken off its next invoice."""

    __tablename__ = "provider_credits"
    __table_args__ = (
        UniqueConstraint("dispute_id", name="uq_provider_credits_dispute"),
        Index("ix_provider_credits_provider", "provider_id"),
    )

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    dispute_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lead_disputes.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    label: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The invoice it was taken off (None: still open).
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invoices.id", name="fk_provider_credits_invoice"),
        default=None,
    )


class Invoice(SyncedRow, Base):
    """A monthly invoice (or a credit note) to a provider. Written by the server only.

    A draft has no number and may be recomputed; issuing gives it the next number of the
    gapless sequence and freezes it. `monthly_key` ("provider:YYYY-MM") is set on monthly
    invoices only: unique, so a month is never invoiced twice, whatever runs race.
    """

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("number", name="uq_invoices_number"),
        UniqueConstraint("monthly_key", name="uq_invoices_monthly_key"),
        Index("ix_invoices_provider", "provider_id", "period_start"),
        # What remains due reads credit notes by the invoice they correct; dunning by due date.
        Index("ix_invoices_corrects", "corrects_invoice_id"),
        Index("ix_invoices_due", "due_date"),
    )

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    kind: Mapped[str] = mapped_column(String(12))  # InvoiceKind
    status: Mapped[str] = mapped_column(String(10))  # InvoiceStatus
    monthly_key: Mapped[str | None] = mapped_column(String(48), default=None)
    period_start: Mapped[date] = mapped_column(Date)
    number: Mapped[str | None] = mapped_column(String(20), default=None)
    sequence: Mapped[int | None] = mapped_column(BigInteger, default=None)
    issue_date: Mapped[date | None] = mapped_column(Date, default=None)
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    corrects_invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invoices.id"), default=None
    )
    # The buyer as invoiced (the provider record may change later).
    buyer_name: Mapped[str] = mapped_column(String(160))
    buyer_address: Mapped[str] = mapped_column(String(400))
    buyer_siren: Mapped[str | None] = mapped_column(String(9), default=None)
    buyer_vat_number: Mapped[str | None] = mapped_column(String(16), default=None)
    vat_territory: Mapped[str] = mapped_column(String(20))
    net_cents: Mapped[int] = mapped_column(BigInteger)
    vat_cents: Mapped[int] = mapped_column(BigInteger)
    gross_cents: Mapped[int] = mapped_column(BigInteger)


class InvoiceLine(SyncedRow, Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (Index("ix_invoice_lines_invoice", "invoice_id", "position"),)

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # LineKind
    label: Mapped[str] = mapped_column(String(250))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    vat_percent: Mapped[str] = mapped_column(String(8))  # a Decimal, as text


class SepaMandate(SyncedRow, Base):
    """A provider's SEPA direct-debit mandate, recorded by staff from the signed form.

    The server stamps `last_collected_on` when a debit run uses it (first or recurring
    collection, and the 36-month lapse, count from it).
    """

    __tablename__ = "sepa_mandates"
    __table_args__ = (
        UniqueConstraint("rum", name="uq_sepa_mandates_rum"),
        Index("ix_sepa_mandates_provider", "provider_id"),
    )

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    rum: Mapped[str] = mapped_column(String(35))
    debtor_name: Mapped[str] = mapped_column(String(70))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11), default=None)
    kind: Mapped[str] = mapped_column(String(10))  # MandateKind
    signed_on: Mapped[date] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date, default=None)
    last_collected_on: Mapped[date | None] = mapped_column(Date, default=None)


class DebitBatch(SyncedRow, Base):
    """One SEPA direct-debit file (pain.008): made by the server, which picks its invoices."""

    __tablename__ = "debit_batches"
    __table_args__ = (UniqueConstraint("message_id", name="uq_debit_batches_message"),)

    message_id: Mapped[str] = mapped_column(String(35))
    collection_date: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    count: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(BigInteger)


class Payment(SyncedRow, Base):
    """Money received for one invoice, or the reject of a direct debit (a negative amount).

    Append-only: a mistake is corrected by another entry. Transfers and cheques are recorded
    on workstations; direct debits by the server's debit run; a reject refers to its debit.
    """

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("rejects_payment_id", name="uq_payments_rejects"),
        Index("ix_payments_invoice", "invoice_id"),
        Index("ix_payments_provider", "provider_id", "received_on"),
    )

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"))
    kind: Mapped[str] = mapped_column(String(12))  # PaymentKind
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(80), default="")
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("debit_batches.id"), default=None)
    mandate_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sepa_mandates.id"), default=None
    )
    end_to_end_id: Mapped[str | None] = mapped_column(String(35), default=None)
    rejects_payment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payments.id"), default=None
    )
    reject_code: Mapped[str | None] = mapped_column(String(4), default=None)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentReminder(SyncedRow, Base):
    """A reminder sent for an overdue invoice, at a dunning level, with what it claimed."""

    __tablename__ = "payment_reminders"
    __table_args__ = (
        UniqueConstraint("invoice_id", "level", name="uq_payment_reminders_level"),
        Index("ix_payment_reminders_provider", "provider_id"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    level: Mapped[int] = mapped_column(Integer)
    sent_on: Mapped[date] = mapped_column(Date)
    sent_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    open_cents: Mapped[int] = mapped_column(BigInteger)
    penalty_cents: Mapped[int] = mapped_column(BigInteger)
    indemnity_cents: Mapped[int] = mapped_column(BigInteger)


class SyncConflict(SyncedRow, Base):
    """Two concurrent edits of one field: the server kept `winner_value`, this keeps the other.

    Values are JSON text. Made by the server, resolved by a person on a workstation.
    """

    __tablename__ = "sync_conflicts"
    __table_args__ = (Index("ix_sync_conflicts_row", "table_name", "row_id"),)

    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    field: Mapped[str] = mapped_column(String(60))
    winner_value: Mapped[str] = mapped_column(Text)
    winner_hlc: Mapped[str] = mapped_column(String(40))
    winner_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    loser_value: Mapped[str] = mapped_column(Text)
    loser_hlc: Mapped[str] = mapped_column(String(40))
    loser_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    # "field": same field edited twice; "deleted": an edit that arrived for a deleted row.
    kind: Mapped[str] = mapped_column(String(12), default="field")
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class OutboxEntry(Base):
    """A local edit waiting for the server, written in the same transaction as the edit."""

    __tablename__ = "sync_outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(8))  # insert / update / delete
    hlc: Mapped[str] = mapped_column(String(40))
    # JSON {field: value} of what was written, and {field: hlc} of what the edit replaced.
    fields: Mapped[str] = mapped_column(Text)
    base_clocks: Mapped[str] = mapped_column(Text, default="{}")
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Set when the server refused the edit: it stays here, shown to the user, never resent.
    rejected_reason: Mapped[str | None] = mapped_column(Text, default=None)


class SyncState(Base):
    """Workstation sync bookkeeping: pull cursor, node id, last clock, server schema."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
