"""Staff sign-in with expiring bearer tokens kept (hashed) in the database, throttled per
account and per client address; who may disable or re-enable which account."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.domain.enums import Role
from app.persistence.models import User
from app.services.auth import password_hasher
from server.changes import server_edit
from server.persistence.models import AuthToken, SignInThrottle
from server.scope import UserScope
from server.sequence import stamp_changes

log = logging.getLogger(__name__)

_hasher = password_hasher()
# Verifying against a dummy hash keeps the answer time the same for unknown usernames.
_DUMMY_HASH = _hasher.hash("not a password")
ACCOUNT, ADDRESS = "account", "address"


class AuthFailed(Exception):
    """Message in French, shown to the person signing in."""


class Throttled(Exception):
    """Too many failed sign-ins for the account or the address: refused before any hashing."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AccountRefused(Exception):
    """A disable or enable the actor may not do; `status` is 403 or 409, message in French."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failures allowed before a lock, per account and per address, and how locks grow.

    The lock that follows the n-th failure beyond the free ones lasts first_lock * 2**n (at
    most max_lock); failures are forgotten after a quiet period, or for an account at its next
    successful sign-in. An address gets more: an office behind one address signs many in.
    """

    account_free_failures: int = 5
    address_free_failures: int = 20
    first_lock: timedelta = timedelta(minutes=1)
    max_lock: timedelta = timedelta(hours=1)
    account_forget_after: timedelta = timedelta(hours=24)
    address_forget_after: timedelta = timedelta(minutes=15)

    def free_failures(self, kind: str) -> int:
        return self.account_free_failures if kind == ACCOUNT else self.address_free_failures

    def forget_after(self, kind: str) -> timedelta:
        return self.account_forget_after if kind == ACCOUNT else self.address_forget_after

    def lock_for(self, kind: str, failures: int) -> timedelta | None:
        beyond = failures - self.free_failures(kind)
        if beyond < 0:
            return None
        return min(self.first_lock * 2 ** min(beyond, 20), self.max_lock)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_subject(username: str) -> str:
    """The account key of the throttle: the username as typed, known or not (the answer must
    not tell which usernames exist)."""
    return username.strip().lower()[:128]


def _subjects(username: str, address: str) -> list[tuple[str, str]]:
    return [(ACCOUNT, account_subject(username)), (ADDRESS, address[:128])]


def _refusal(kind: str, until: datetime, now: datetime) -> Throttled:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    wait = f"{(seconds + 59) // 60} min" if seconds >= 60 else f"{seconds} s"
    if kind == ACCOUNT:
        message = (
            "Trop d'échecs de connexion pour ce compte : il est verrouillé. Réessayez dans "
            f"{wait} ou demandez à un administrateur de le déverrouiller."
        )
    else:
        message = f"Trop d'échecs de connexion depuis ce poste : réessayez dans {wait}."
    return Throttled(message, seconds)


def count_attempt(
    session: Session, username: str, address: str, now: datetime, policy: ThrottlePolicy
) -> None:
    """Refuse (Throttled) if the account or the address is locked; else count this attempt as
    a failure until it proves right (take_back_attempt), locking when it is one too many.

    Counted before the password is checked, in a transaction that holds the rows: parallel
    attempts on several workers cannot get more hashes than the limit allows.
    """
    rows: list[tuple[str, str, SignInThrottle | None]] = []
    for kind, subject in _subjects(username, address):
        row = session.get(SignInThrottle, (kind, subject), with_for_update=True)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            log.info("sign-in refused: %s %r locked until %s", kind, subject, row.locked_until)
            raise _refusal(kind, row.locked_until, now)
        rows.append((kind, subject, row))
    for kind, subject, row in rows:
        if row is None:
            row = SignInThrottle(kind=kind, subject=subject, failures=0, last_attempt_at=now)
            session.add(row)
        elif row.last_attempt_at < now - policy.forget_after(kind):
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_attempt_at = now
        lock = policy.lock_for(kind, row.failures)
        if lock is not None:
            row.locked_until = now + lock
            log.warning(
                "sign-in locked: %s %r after %d failures, for %d s",
                kind,
                subject,
                row.failures,
                lock.total_seconds(),
            )
    session.flush()


def take_back_attempt(
    session: Session, username: str, address: str, policy: ThrottlePolicy
) -> None:
    """A successful sign-in: the account starts afresh; the address gets its attempt back."""
    account, by_address = _subjects(username, address)
    session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.kind == account[0], SignInThrottle.subject == account[1]
        )
    )
    row = session.get(SignInThrottle, by_address, with_for_update=True)
    if row is not None and row.failures > 0:
        row.failures -= 1
        if policy.lock_for(ADDRESS, row.failures) is None:
            row.locked_until = None


def check_password(session: Session, username: str, password: str) -> uuid.UUID:
    """The id of the account these credentials open (argon2: run it outside write locks)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise AuthFailed("Identifiant ou mot de passe incorrect.") from None
    if user is None or user.deleted:
        raise AuthFailed("Identifiant ou mot de passe incorrect.")
    return user.id


def issue_token(session: Session, user_id: uuid.UUID, now: datetime, hours: float) -> IssuedToken:
    user = session.get(User, user_id)
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


# -- what managers and admins see of sign-in failures -----------------------------------------


def throttle_entries(session: Session, now: datetime, limit: int = 500) -> list[dict[str, object]]:
    """Accounts and addresses with recent failures, the locked ones first, newest first."""
    rows = session.scalars(
        select(SignInThrottle)
        .where(SignInThrottle.failures > 0)
        .order_by(SignInThrottle.last_attempt_at.desc())
        .limit(limit)
    ).all()
    entries = [
        {
            "kind": r.kind,
            "subject": r.subject,
            "failures": r.failures,
            "last_attempt_at": r.last_attempt_at.isoformat(),
            "locked_until": (
                r.locked_until.isoformat() if r.locked_until and r.locked_until > now else None
            ),
        }
        for r in rows
    ]
    return sorted(entries, key=lambda e: e["locked_until"] is None)


def unlock(session: Session, kind: str, subject: str, by: uuid.UUID) -> bool:
    """Forget the failures of an account or address; False when there were none."""
    if kind == ACCOUNT:
        subject = account_subject(subject)
    gone = session.execute(
        delete(SignInThrottle).where(SignInThrottle.kind == kind, SignInThrottle.subject == subject)
    ).rowcount
    if gone:
        log.warning("sign-in lock lifted: %s %r by user %s", kind, subject, by)
    return bool(gone)


# -- disabling and re-enabling accounts -------------------------------------------------------


def set_account_active(
    session: Session, actor: UserScope, user_id: uuid.UUID, active: bool, now: datetime
) -> User | None:
    """Disable (revoking its tokens) or re-enable an account, recorded with its author and
    numbered for sync like any server edit; None when the account does not exist.

    Managers and admins only; nobody changes their own account; only an admin changes an
    admin's; the last active admin is never disabled.
    """
    if actor.role not in (Role.MANAGER, Role.ADMIN):
        raise AccountRefused(403, "Réservé aux managers et administrateurs.")
    target = session.get(User, user_id)
    if target is None or target.deleted:
        return None
    if target.id == actor.user_id:
        raise AccountRefused(409, "Vous ne pouvez pas désactiver ni réactiver votre propre compte.")
    if target.role == Role.ADMIN:
        if actor.role != Role.ADMIN:
            raise AccountRefused(
                403, "Seul un administrateur peut désactiver ou réactiver un administrateur."
            )
        # Every active admin, locked in one order: two admins disabling each other at once
        # are serialised, and the second sees that it would leave none.
        admins = session.scalars(
            select(User.id)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.deleted.is_(False))
            .order_by(User.id)
            .with_for_update()
        ).all()
        if not active and not [a for a in admins if a != target.id]:
            raise AccountRefused(409, "Il doit rester au moins un administrateur actif.")
    target = session.get(User, user_id, with_for_update=True, populate_existing=True)
    assert target is not None
    if not active:
        session.execute(update(AuthToken).where(AuthToken.user_id == user_id).values(revoked=True))
    server_edit(target, {"active": active}, now, actor.user_id)
    stamp_changes(session, [target])
    log.info(
        "account %s (%s) %s by user %s",
        target.username,
        target.role,
        "enabled" if active else "disabled",
        actor.user_id,
    )
    return target
