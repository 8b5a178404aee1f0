"""Tables only the central server has: counters, applied operations, tokens, site keys,
sign-in throttling."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.ids import uuid7
from app.persistence.types import UTCDateTime


class ServerBase(DeclarativeBase):
    pass


class Counter(ServerBase):
    """Named counters: 'sync' (the change sequence) and 'lead_number'.

    Taken with a row lock at the end of each write transaction and held until commit, so
    sequence numbers are handed out in commit order.
    """

    __tablename__ = "server_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class AppliedOperation(ServerBase):
    """Every pushed operation applied, with the answer given: a retry gets the same answer."""

    __tablename__ = "server_applied_operations"

    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(Text)


class AuthToken(ServerBase):
    __tablename__ = "server_auth_tokens"
    __table_args__ = (Index("ix_server_auth_tokens_user", "user_id"),)

    # SHA-256 of the token: a stolen database does not give working tokens.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class SiteApiKey(ServerBase):
    __tablename__ = "server_site_api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    site_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IntakeRequest(ServerBase):
    """A web-form submission by idempotency key: a retried post returns the same lead."""

    __tablename__ = "server_intake_requests"

    site_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    lead_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status_code: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # SHA-256 of the submission: the same key with another body is refused (None: older rows).
    body_hash: Mapped[str | None] = mapped_column(String(64), default=None)


class IntakeRateWindow(ServerBase):
    """Requests per site per minute, counted in the database so every worker shares it."""

    __tablename__ = "server_intake_rate"

    site_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class SignInThrottle(ServerBase):
    """Sign-in attempts per account (kind "account", subject the username as typed, lowercased)
    and per client address (kind 'address'), in the database so that every worker sees them.

    An attempt is counted before its password is checked, so parallel attempts cannot slip
    past the limit; a successful sign-in takes its own attempt back.
    """

    __tablename__ = "server_sign_in_throttle"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
