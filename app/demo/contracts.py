"""Demo contracts: the demo rep's signed providers buy leads under an active contract."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import paris_today
from app.domain.contracts import ContractStatus
from app.domain.providers import ProviderStage
from app.persistence.models import (
    Category,
    Contract,
    ContractEvent,
    ContractPrice,
    ContractVersion,
    ContractZone,
    Provider,
    ProviderCategory,
    User,
)

_STEPS = (ContractStatus.DRAFT, ContractStatus.SENT, ContractStatus.SIGNED, ContractStatus.ACTIVE)


def add_demo_contracts(sessions: sessionmaker[Session], now: datetime, seed: int = 2026) -> int:
    """One active contract per signed demo provider (the last one exclusive, one with a
    package). References are marked DEMO: real ones come from the server's counter."""
    rng = random.Random(seed)
    with sessions.begin() as session:
        rep = session.scalar(select(User).where(User.username == "sales1"))
        signed = list(
            session.scalars(
                select(Provider)
                .where(Provider.stage == ProviderStage.SIGNED)
                .order_by(Provider.company_name)
            )
        )
        floors = dict(session.execute(select(Category.id, Category.floor_price_cents)).all())
        for index, provider in enumerate(signed, start=1):
            since = now - timedelta(days=rng.randint(45, 200))
            contract = Contract(
                provider_id=provider.id,
                owner_id=rep.id if rep else None,
                reference=f"CT-DEMO-{index:02d}",
            )
            session.add(contract)
            session.flush()
            exclusive = index == len(signed)
            version = ContractVersion(
                contract_id=contract.id,
                number=1,
                status=ContractStatus.ACTIVE,
                status_changed_at=since,
                starts_on=paris_today(since),
                sharing_level=1 if exclusive else 3,
                cap_leads=rng.choice((20, 30, 40, 60)),
                package_fee_cents=25_000 if index == 1 else None,
                package_leads=10 if index == 1 else None,
                payment_days=30,
                sepa_mandate_ref=f"MRT-DEMO-{index:04d}",
                signed_on=paris_today(since),
            )
            session.add(version)
            session.flush()
            categories = session.scalars(
                select(ProviderCategory.category_id).where(
                    ProviderCategory.provider_id == provider.id
                )
            )
            for category_id in categories:
                markup = rng.choice((0, 300, 500, 800)) * (2 if exclusive else 1)
                session.add(
                    ContractPrice(
                        version_id=version.id,
                        category_id=category_id,
                        price_cents=floors[category_id] + markup,
                    )
                )
            session.add(
                ContractZone(version_id=version.id, departement_code=provider.departement_code)
            )
            session.add(
                ContractZone(version_id=version.id, postcode=provider.postcode, radius_km=25)
            )
            for step, (before, after) in enumerate(zip((None, *_STEPS), _STEPS, strict=False)):
                session.add(
                    ContractEvent(
                        version_id=version.id,
                        occurred_at=since - timedelta(days=len(_STEPS) - step),
                        # Activation is the server's answer to the rep's request.
                        user_id=rep.id if rep and after != ContractStatus.ACTIVE else None,
                        from_status=before,
                        to_status=after,
                    )
                )
        return len(signed)
