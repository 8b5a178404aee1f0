"""Staff sign-in with expiring bearer tokens kept (hashed) in the database."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.enums import Role
from app.persistence.models import User
from app.services.auth import password_hasher
from server.persistence.models import AuthToken
from server.scope import UserScope

_hasher = password_hasher()
# Verifying against a dummy hash keeps the answer time the same for unknown usernames.
_DUMMY_HASH = _hasher.hash("not a password")


class AuthFailed(Exception):
    """Message in French, shown to the person signing in."""


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(
    session: Session, username: str, password: str, now: datetime, hours: float
) -> IssuedToken:
    user = session.scalar(select(User).where(User.username == username.strip()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise AuthFailed("Identifiant ou mot de passe incorrect.") from None
    if user is None or user.deleted:
        raise AuthFailed("Identifiant ou mot de passe incorrect.")
    if not user.active:
        raise AuthFailed("Ce compte est désactivé. Contactez un administrateur.")
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    session.add(
        AuthToken(token_hash=token_hash(token), user_id=user.id, issued_at=now, expires_at=expires)
    )
    return IssuedToken(token, expires, user)


def authenticate(session: Session, token: str, now: datetime) -> UserScope:
    record = session.get(AuthToken, token_hash(token))
    if record is None or record.revoked or record.expires_at <= now:
        raise AuthFailed("Session expirée : reconnectez-vous.")
    user = session.get(User, record.user_id)
    if user is None or user.deleted or not user.active:
        raise AuthFailed("Ce compte est désactivé. Contactez un administrateur.")
    return UserScope(user.id, Role(user.role))


def sign_out(session: Session, token: str) -> None:
    session.execute(
        update(AuthToken).where(AuthToken.token_hash == token_hash(token)).values(revoked=True)
    )


def disable_account(session: Session, user_id: uuid.UUID) -> bool:
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        return False
    user.active = False
    session.execute(update(AuthToken).where(AuthToken.user_id == user_id).values(revoked=True))
    return True
