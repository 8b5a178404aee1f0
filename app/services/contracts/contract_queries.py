"""What the contract screens and the provider file read: versions, history, the diff between
two versions, and the provider's month (leads against the cap, sales, disputes, amount)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.billing.invoices import InvoiceStatus
from app.clock import month_start, paris_today
from app.domain.contracts import (
    STATUS_LABELS,
    ContractStatus,
    ContractTerms,
    RequestKind,
    RequestState,
    TermChange,
    diff_terms,
)
from app.domain.disputes import DisputeReason, DisputeStatus
from app.persistence.models import (
    Category,
    Contract,
    ContractEvent,
    ContractRequest,
    ContractVersion,
    Invoice,
    LeadDispute,
    LeadSale,
    Provider,
    ProviderContact,
    ProviderCredit,
    User,
)
from app.reports.contract_pdf import ContractDocument, ProviderParty
from app.services.contracts.contract_terms import SELLING_STATUSES, dates_cover, terms_of


@dataclass(frozen=True)
class RequestRow:
    id: uuid.UUID
    kind: RequestKind
    state: RequestState
    requested_at: datetime
    answer: str


@dataclass(frozen=True)
class VersionRow:
    contract_id: uuid.UUID
    reference: str | None
    version_id: uuid.UUID
    number: int
    status: ContractStatus
    starts_on: date
    ends_on: date | None
    signed_on: date | None
    last_request: RequestRow | None


@dataclass(frozen=True)
class EventRow:
    occurred_at: datetime
    who: str
    from_status: ContractStatus | None
    to_status: ContractStatus
    note: str


@dataclass(frozen=True)
class VersionDetail:
    row: VersionRow
    terms: ContractTerms
    events: list[EventRow]
    requests: list[RequestRow]


@dataclass(frozen=True)
class SaleRow:
    sale_id: uuid.UUID
    sold_at: datetime
    lead_number: int
    category: str
    place: str
    price_cents: int
    within_package: bool
    dispute_status: DisputeStatus | None


@dataclass(frozen=True)
class DisputeRow:
    id: uuid.UUID
    sale_id: uuid.UUID
    lead_number: int
    filed_at: datetime
    reason: DisputeReason
    comment: str
    status: DisputeStatus
    decision_note: str
    price_cents: int


@dataclass(frozen=True)
class ContractOverviewRow:
    provider_id: uuid.UUID
    company_name: str
    version: VersionRow
    leads_this_month: int
    cap_leads: int | None


@dataclass(frozen=True)
class OpenDispute:
    dispute: DisputeRow
    provider_id: uuid.UUID
    company_name: str


@dataclass(frozen=True)
class InvoiceRow:
    id: uuid.UUID
    number: str
    issue_date: date
    due_date: date
    net_cents: int
    gross_cents: int


@dataclass(frozen=True)
class ProviderMonth:
    """A provider's month so far under the contract version in force today."""

    version: VersionRow | None
    terms: ContractTerms | None
    leads: int
    per_lead_cents: int  # sales beyond the package
    package_fee_cents: int
    credits_cents: int
    sales: list[SaleRow]
    disputes: list[DisputeRow]

    @property
    def amount_cents(self) -> int:
        return self.package_fee_cents + self.per_lead_cents - self.credits_cents


@dataclass(frozen=True)
class VersionScreen:
    """What the contract editor shows for one version: the version, every version of the
    provider, and the diff with the previous version of the same contract (None: none)."""

    detail: VersionDetail
    versions: list[VersionRow]
    previous_number: int | None
    changes: list[TermChange]


class ContractQueries:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def versions_of_provider(self, provider_id: uuid.UUID) -> list[VersionRow]:
        """Every version of every contract of the provider, newest contract and version first."""
        with self.sessions() as session:
            rows = session.execute(
                select(ContractVersion, Contract.reference)
                .join(Contract, Contract.id == ContractVersion.contract_id)
                .where(
                    Contract.provider_id == provider_id,
                    Contract.deleted.is_(False),
                    ContractVersion.deleted.is_(False),
                )
                .order_by(Contract.created_at.desc(), ContractVersion.number.desc())
            ).all()
            last = self._last_requests(session, [v.id for v, _ in rows])
            return [_version_row(v, ref, last.get(v.id)) for v, ref in rows]

    def detail(self, version_id: uuid.UUID) -> VersionDetail:
        with self.sessions() as session:
            version = session.get(ContractVersion, version_id)
            if version is None:
                raise LookupError(version_id)
            contract = session.get(Contract, version.contract_id)
            assert contract is not None
            requests = [
                _request_row(r)
                for r in session.scalars(
                    select(ContractRequest)
                    .where(ContractRequest.version_id == version_id)
                    .order_by(ContractRequest.requested_at.desc())
                )
            ]
            events = [
                EventRow(
                    e.occurred_at,
                    name or "serveur",
                    ContractStatus(e.from_status) if e.from_status else None,
                    ContractStatus(e.to_status),
                    e.note,
                )
                for e, name in session.execute(
                    select(ContractEvent, User.display_name)
                    .outerjoin(User, User.id == ContractEvent.user_id)
                    .where(ContractEvent.version_id == version_id)
                    .order_by(ContractEvent.occurred_at)
                )
            ]
            return VersionDetail(
                _version_row(version, contract.reference, requests[0] if requests else None),
                terms_of(session, version),
                events,
                requests,
            )

    def document(self, version_id: uuid.UUID, made_on: date) -> ContractDocument:
        """What the contract PDF prints for this version."""
        with self.sessions() as session:
            version = session.get(ContractVersion, version_id)
            if version is None:
                raise LookupError(version_id)
            contract = session.get(Contract, version.contract_id)
            assert contract is not None
            provider = session.get(Provider, contract.provider_id)
            assert provider is not None
            representative = session.scalar(
                select(ProviderContact.full_name)
                .where(
                    ProviderContact.provider_id == provider.id,
                    ProviderContact.deleted.is_(False),
                )
                .order_by(ProviderContact.is_primary.desc(), ProviderContact.created_at)
            )
            names = {i: n for i, n in session.execute(select(Category.id, Category.name))}
            terms = terms_of(session, version)
            previous = session.scalar(
                select(ContractVersion).where(
                    ContractVersion.contract_id == version.contract_id,
                    ContractVersion.number == version.number - 1,
                    ContractVersion.deleted.is_(False),
                )
            )
            return ContractDocument(
                reference=contract.reference,
                version_number=version.number,
                status_label=STATUS_LABELS[ContractStatus(version.status)],
                provider=ProviderParty(
                    company_name=provider.company_name,
                    legal_form=provider.legal_form,
                    siren=provider.siren,
                    siret=provider.siret,
                    vat_number=provider.vat_number,
                    address_line=provider.address_line,
                    postcode=provider.postcode,
                    city=provider.city,
                    representative=representative,
                    email=provider.email,
                ),
                terms=terms,
                category_names=names,
                made_on=made_on,
                changes=diff_terms(terms_of(session, previous), terms, names) if previous else [],
            )

    def version_screen(self, provider_id: uuid.UUID, version_id: uuid.UUID) -> VersionScreen:
        detail = self.detail(version_id)
        versions = self.versions_of_provider(provider_id)
        previous = [
            r
            for r in versions
            if r.contract_id == detail.row.contract_id and r.number < detail.row.number
        ]
        if not previous:
            return VersionScreen(detail, versions, None, [])
        before = max(previous, key=lambda r: r.number)
        return VersionScreen(
            detail, versions, before.number, self.diff(before.version_id, version_id)
        )

    def diff(self, before_id: uuid.UUID, after_id: uuid.UUID) -> list[TermChange]:
        with self.sessions() as session:
            before = session.get(ContractVersion, before_id)
            after = session.get(ContractVersion, after_id)
            assert before is not None and after is not None
            names = {i: n for i, n in session.execute(select(Category.id, Category.name))}
            return diff_terms(terms_of(session, before), terms_of(session, after), names)

    def provider_month(self, provider_id: uuid.UUID, now: datetime) -> ProviderMonth:
        today = paris_today(now)
        since = month_start(now)
        with self.sessions() as session:
            in_force = session.execute(
                select(ContractVersion, Contract.reference)
                .join(Contract, Contract.id == ContractVersion.contract_id)
                .where(
                    Contract.provider_id == provider_id,
                    Contract.deleted.is_(False),
                    dates_cover(today),
                    ContractVersion.status.in_([*SELLING_STATUSES, ContractStatus.SUSPENDED]),
                )
                .order_by(ContractVersion.starts_on.desc())
            ).first()
            version_row = terms = None
            if in_force is not None:
                last = self._last_requests(session, [in_force[0].id])
                version_row = _version_row(in_force[0], in_force[1], last.get(in_force[0].id))
                terms = terms_of(session, in_force[0])
            names = {i: n for i, n in session.execute(select(Category.id, Category.name))}
            disputes = {
                d.sale_id: d
                for d in session.scalars(
                    select(LeadDispute).where(
                        LeadDispute.provider_id == provider_id, LeadDispute.deleted.is_(False)
                    )
                )
            }
            month_sales = session.execute(
                select(func.count(), func.coalesce(func.sum(LeadSale.price_cents), 0)).where(
                    LeadSale.provider_id == provider_id,
                    LeadSale.sold_at >= since,
                )
            ).one()
            package_sum = session.scalar(
                select(func.coalesce(func.sum(LeadSale.price_cents), 0)).where(
                    LeadSale.provider_id == provider_id,
                    LeadSale.sold_at >= since,
                    LeadSale.within_package.is_(True),
                )
            )
            credits = session.scalar(
                select(func.coalesce(func.sum(ProviderCredit.amount_cents), 0)).where(
                    ProviderCredit.provider_id == provider_id,
                    ProviderCredit.deleted.is_(False),
                    ProviderCredit.granted_at >= since,
                )
            )
            recent = session.scalars(
                select(LeadSale)
                .where(LeadSale.provider_id == provider_id)
                .order_by(LeadSale.sold_at.desc())
                .limit(500)
            ).all()
            sales = [
                SaleRow(
                    s.id,
                    s.sold_at,
                    s.lead_number,
                    names.get(s.category_id, "?"),
                    f"{s.lead_postcode} {s.lead_city}",
                    s.price_cents,
                    s.within_package,
                    DisputeStatus(disputes[s.id].status) if s.id in disputes else None,
                )
                for s in recent
            ]
            disputed = {
                sale_id: (number, price)
                for sale_id, number, price in session.execute(
                    select(LeadSale.id, LeadSale.lead_number, LeadSale.price_cents).where(
                        LeadSale.id.in_(list(disputes))
                    )
                )
            }
            dispute_rows = sorted(
                (
                    DisputeRow(
                        d.id,
                        d.sale_id,
                        disputed.get(d.sale_id, (0, 0))[0],
                        d.filed_at,
                        DisputeReason(d.reason),
                        d.comment,
                        DisputeStatus(d.status),
                        d.decision_note,
                        disputed.get(d.sale_id, (0, 0))[1],
                    )
                    for d in disputes.values()
                ),
                key=lambda d: d.filed_at,
                reverse=True,
            )
            return ProviderMonth(
                version=version_row,
                terms=terms,
                leads=int(month_sales[0]),
                per_lead_cents=int(month_sales[1]) - int(package_sum or 0),
                package_fee_cents=(terms.package_fee_cents or 0) if terms else 0,
                credits_cents=int(credits or 0),
                sales=sales,
                disputes=dispute_rows,
            )

    def overview(self, now: datetime) -> list[ContractOverviewRow]:
        """The latest version of every contract, with this month's leads against its cap."""
        since = month_start(now)
        with self.sessions() as session:
            latest = (
                select(ContractVersion.contract_id, func.max(ContractVersion.number).label("n"))
                .where(ContractVersion.deleted.is_(False))
                .group_by(ContractVersion.contract_id)
                .subquery()
            )
            rows = session.execute(
                select(ContractVersion, Contract.reference, Provider.id, Provider.company_name)
                .join(
                    latest,
                    (latest.c.contract_id == ContractVersion.contract_id)
                    & (latest.c.n == ContractVersion.number),
                )
                .join(Contract, Contract.id == ContractVersion.contract_id)
                .join(Provider, Provider.id == Contract.provider_id)
                .where(Contract.deleted.is_(False))
                .order_by(Provider.company_name)
            ).all()
            counts = {
                contract_id: int(n)
                for contract_id, n in session.execute(
                    select(LeadSale.contract_id, func.count())
                    .where(LeadSale.sold_at >= since)
                    .group_by(LeadSale.contract_id)
                )
            }
            last = self._last_requests(session, [v.id for v, *_ in rows])
            return [
                ContractOverviewRow(
                    provider_id,
                    name,
                    _version_row(version, reference, last.get(version.id)),
                    counts.get(version.contract_id, 0),
                    version.cap_leads,
                )
                for version, reference, provider_id, name in rows
            ]

    def invoices_of(self, provider_id: uuid.UUID) -> list[InvoiceRow]:
        """The provider's issued invoices, newest first (drafts stay on the server's run)."""
        with self.sessions() as session:
            return [
                InvoiceRow(i.id, i.number, i.issue_date, i.due_date, i.net_cents, i.gross_cents)
                for i in session.scalars(
                    select(Invoice)
                    .where(
                        Invoice.provider_id == provider_id,
                        Invoice.status == InvoiceStatus.ISSUED,
                        Invoice.deleted.is_(False),
                    )
                    .order_by(Invoice.sequence.desc())
                )
                if i.number and i.issue_date and i.due_date
            ]

    def open_disputes(self) -> list[OpenDispute]:
        """Disputes waiting for a decision, oldest first (they have a deadline in practice)."""
        with self.sessions() as session:
            return [
                OpenDispute(
                    DisputeRow(
                        dispute.id,
                        dispute.sale_id,
                        number,
                        dispute.filed_at,
                        DisputeReason(dispute.reason),
                        dispute.comment,
                        DisputeStatus(dispute.status),
                        dispute.decision_note,
                        price,
                    ),
                    provider_id,
                    name,
                )
                for dispute, number, price, provider_id, name in session.execute(
                    select(
                        LeadDispute,
                        LeadSale.lead_number,
                        LeadSale.price_cents,
                        Provider.id,
                        Provider.company_name,
                    )
                    .join(LeadSale, LeadSale.id == LeadDispute.sale_id)
                    .join(Provider, Provider.id == LeadDispute.provider_id)
                    .where(
                        LeadDispute.status == DisputeStatus.OPEN,
                        LeadDispute.deleted.is_(False),
                    )
                    .order_by(LeadDispute.filed_at)
                )
            ]

    @staticmethod
    def _last_requests(
        session: Session, version_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, RequestRow]:
        found: dict[uuid.UUID, RequestRow] = {}
        if not version_ids:
            return found
        for request in session.scalars(
            select(ContractRequest)
            .where(ContractRequest.version_id.in_(version_ids))
            .order_by(ContractRequest.requested_at)
        ):
            found[request.version_id] = _request_row(request)
        return found


def _request_row(request: ContractRequest) -> RequestRow:
    return RequestRow(
        request.id,
        RequestKind(request.kind),
        RequestState(request.state),
        request.requested_at,
        request.answer,
    )


def _version_row(
    version: ContractVersion, reference: str | None, last: RequestRow | None
) -> VersionRow:
    return VersionRow(
        version.contract_id,
        reference,
        version.id,
        version.number,
        ContractStatus(version.status),
        version.starts_on,
        version.ends_on,
        version.signed_on,
        last,
    )
