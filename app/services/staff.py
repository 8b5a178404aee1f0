"""The staff accounts a workstation knows (synced from the server), for the accounts screen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.persistence.models import User


@dataclass(frozen=True)
class StaffRow:
    id: str
    username: str
    display_name: str
    role: str
    active: bool


def workspace_staff(sessions: sessionmaker[Session]) -> Callable[[], list[StaffRow]]:
    """A reader of the accounts not deleted, by username."""

    def read() -> list[StaffRow]:
        with sessions() as session:
            return [
                StaffRow(str(u.id), u.username, u.display_name, u.role, u.active)
                for u in session.scalars(
                    select(User).where(User.deleted.is_(False)).order_by(User.username)
                )
            ]

    return read
