"""The unsold list: released leads no contract could take, and why (managers)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.dispatch.matching import UnsoldReason
from app.persistence.models import Category, Lead, UnsoldLead


@dataclass(frozen=True)
class UnsoldRow:
    lead_id: uuid.UUID
    number: int
    submitted_at: datetime
    category: str
    postcode: str
    city: str
    reason: UnsoldReason
    recorded_at: datetime
    sold_later_at: datetime | None


class UnsoldQueries:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def rows(self, still_unsold: bool = True, limit: int = 1000) -> tuple[list[UnsoldRow], int]:
        """The most recent `limit` rows, and how many there are in all."""
        where = [UnsoldLead.deleted.is_(False)]
        if still_unsold:
            where.append(UnsoldLead.sold_later_at.is_(None))
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(UnsoldLead).where(*where))
            rows = [
                UnsoldRow(
                    lead.id,
                    lead.number,
                    lead.submitted_at,
                    category,
                    lead.postcode,
                    lead.city,
                    UnsoldReason(unsold.reason),
                    unsold.recorded_at,
                    unsold.sold_later_at,
                )
                for unsold, lead, category in session.execute(
                    select(UnsoldLead, Lead, Category.name)
                    .join(Lead, Lead.id == UnsoldLead.lead_id)
                    .join(Category, Category.id == Lead.category_id)
                    .where(*where)
                    .order_by(UnsoldLead.recorded_at.desc())
                    .limit(limit)
                )
            ]
            return rows, int(total or 0)
