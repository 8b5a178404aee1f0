"""Staff sign-in on the workstation (argon2 password hashes)."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.enums import Role
from app.domain.errors import ActionRefused
from app.persistence.models import User

# Set to "1" by the test suite only (tests/conftest.py): every seeded account, every server
# worker's dummy hash and every online sign-in would otherwise cost a 64 MiB, ~0.3 s hash.
CHEAP_TEST_HASHES_VARIABLE = "CRM_TEST_CHEAP_PASSWORD_HASHES"


def password_hasher(environ: Mapping[str, str] = os.environ) -> PasswordHasher:
    """argon2id with RFC 9106's recommended low-memory parameters (64 MiB, 3 passes), unless
    the environment explicitly asks for the cheapest ones, for tests.

    Verifying always uses the parameters written in the stored hash, so a hash made with
    either setting is checked correctly by the other."""
    if environ.get(CHEAP_TEST_HASHES_VARIABLE) == "1":
        logging.getLogger(__name__).warning(
            "%s=1: cheap password hashes, for tests only", CHEAP_TEST_HASHES_VARIABLE
        )
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


_hasher = password_hasher()


@dataclass(frozen=True)
class StaffMember:
    id: uuid.UUID
    username: str
    display_name: str
    role: Role


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _staff(user: User) -> StaffMember:
    return StaffMember(user.id, user.username, user.display_name, Role(user.role))


def active_staff(sessions: sessionmaker[Session]) -> list[StaffMember]:
    with sessions() as session:
        users = session.scalars(
            select(User)
            .where(User.active.is_(True), User.deleted.is_(False))
            .order_by(User.role, User.display_name)
        )
        return [_staff(u) for u in users]


def sign_in(sessions: sessionmaker[Session], username: str, password: str) -> StaffMember:
    refused = ActionRefused("Identifiant ou mot de passe incorrect.")
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        if user is None or user.deleted:
            raise refused
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise refused from None
        if not user.active:
            raise ActionRefused("Ce compte est désactivé. Contactez un administrateur.")
        return _staff(user)


class SignInUnavailable(ActionRefused):
    """Sign-in cannot be checked now (the server is down and the account has never signed
    in on this workstation, its workspace cannot be opened...): not the password's fault."""
