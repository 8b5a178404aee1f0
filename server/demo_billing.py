"""Demo billing history, so the back office has something to collect and chase on day one.

Before the server first starts: SEPA mandates for the demo contracts (one provider has none),
leads sold in the months since each contract began, the invoices of every month before last
issued on the 1st of the following month by the real invoice run, their direct debits run by
the real debit run, and one transfer. Last month is left to invoice; the debit of the most
recent collection is there to be rejected.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from faker import Faker
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.billing.dunning import DunningPolicy
from app.billing.ledger import PaymentKind
from app.billing.sepa import MandateKind, next_settlement_day
from app.clock import BUSINESS_ZONE, first_of_next_month, month_bounds, paris_today
from app.demo.providers import REGION
from app.domain.contracts import ContractStatus
from app.domain.enums import LeadStatus
from app.persistence.models import (
    Contract,
    ContractPrice,
    ContractVersion,
    Lead,
    LeadSale,
    Payment,
    Provider,
    SepaMandate,
)
from app.services.billing.receivables import receivables
from server.collection import debit_run
from server.dispatch import dispatch_sessions
from server.invoicing import issue_invoice, providers_to_invoice


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), BUSINESS_ZONE).astimezone(UTC)


def _months_between(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = first_of_next_month(month)
    return months


def _sell_history(session: Session, now: datetime, rng: random.Random) -> None:
    this_month = paris_today(now).replace(day=1)
    versions = session.scalars(
        select(ContractVersion).where(ContractVersion.status == ContractStatus.ACTIVE)
    ).all()
    taken: set[object] = set()
    for version in versions:
        contract = session.get(Contract, version.contract_id)
        assert contract is not None
        prices = dict(
            session.execute(
                select(ContractPrice.category_id, ContractPrice.price_cents).where(
                    ContractPrice.version_id == version.id
                )
            ).all()
        )
        # The demo region: the history is richer than the contract zones alone would give.
        departements = set(REGION)
        within = 0
        for month in _months_between(version.starts_on, this_month - timedelta(days=1)):
            start, end = month_bounds(month)
            leads = session.scalars(
                select(Lead)
                .where(
                    Lead.status == LeadStatus.RELEASED,
                    Lead.category_id.in_(prices),
                    Lead.departement_code.in_(departements),
                    Lead.submitted_at >= start,
                    Lead.submitted_at < end,
                )
                .order_by(Lead.number)
                .limit(3 * (version.cap_leads or 20))
            ).all()
            wanted = rng.randint((version.cap_leads or 20) // 3, version.cap_leads or 20)
            sold = 0
            for lead in leads:
                if lead.id in taken or sold >= wanted:
                    continue
                taken.add(lead.id)
                sold += 1
                package = bool(version.package_leads) and within < (version.package_leads or 0)
                within = within + 1 if package else within
                session.add(
                    LeadSale(
                        lead_id=lead.id,
                        provider_id=contract.provider_id,
                        contract_id=contract.id,
                        version_id=version.id,
                        category_id=lead.category_id,
                        lead_number=lead.number,
                        lead_postcode=lead.postcode,
                        lead_city=lead.city,
                        sold_at=lead.submitted_at + timedelta(minutes=rng.randint(5, 240)),
                        price_cents=prices[lead.category_id],
                        within_package=package,
                        sharing_level=version.sharing_level,
                        rank=1,
                    )
                )
            within = 0


def _add_mandates(session: Session, rng: random.Random) -> None:
    """A recurring mandate per demo contract, signed with it; the last provider has none."""
    banks = Faker("fr_FR")
    banks.seed_instance(rng.randint(0, 10**6))
    versions = session.scalars(
        select(ContractVersion).order_by(ContractVersion.sepa_mandate_ref)
    ).all()
    for version in versions[:-1]:
        contract = session.get(Contract, version.contract_id)
        assert contract is not None and version.sepa_mandate_ref
        provider = session.get(Provider, contract.provider_id)
        assert provider is not None
        session.add(
            SepaMandate(
                provider_id=provider.id,
                rum=version.sepa_mandate_ref,
                debtor_name=provider.company_name[:70],
                iban=banks.iban(),
                kind=MandateKind.RECURRENT,
                signed_on=version.signed_on or version.starts_on,
            )
        )


def seed_billing_history(engine: Engine, now: datetime, seed: int = 2026) -> int:
    """Returns the number of invoices issued."""
    rng = random.Random(seed)
    with Session(engine) as session, session.begin():
        _add_mandates(session, rng)
        _sell_history(session, now, rng)
    dispatch = dispatch_sessions(engine)
    last_month = (paris_today(now).replace(day=1) - timedelta(days=1)).replace(day=1)
    with Session(engine) as session:
        first_sale = session.scalar(select(LeadSale.sold_at).order_by(LeadSale.sold_at))
    if first_sale is None:
        return 0
    issued = 0
    policy = DunningPolicy()
    for month in _months_between(paris_today(first_sale), last_month - timedelta(days=1)):
        issue_day = first_of_next_month(month)
        issued_at = _at(issue_day, 8)
        with dispatch() as session:
            providers = providers_to_invoice(session, month)
        for provider_id in providers:
            with dispatch.begin() as session:
                if issue_invoice(session, provider_id, month, issued_at).number:
                    issued += 1
        collection = next_settlement_day(issue_day + timedelta(days=29))
        with dispatch.begin() as session:
            debit_run(session, collection, _at(collection - timedelta(days=3), 9), None, policy)
    # The provider without a mandate paid its oldest invoice by transfer, and no other.
    with dispatch.begin() as session:
        unpaid = receivables(session, open_only=True)
        if unpaid:
            oldest = unpaid[0]
            session.add(
                Payment(
                    provider_id=oldest.provider_id,
                    invoice_id=oldest.invoice_id,
                    kind=PaymentKind.TRANSFER,
                    amount_cents=oldest.open_cents,
                    received_on=oldest.due_date - timedelta(days=2),
                    reference=f"VIR {oldest.buyer_name[:30]} {oldest.number}",
                    recorded_at=_at(oldest.due_date, 10),
                )
            )
    return issued
