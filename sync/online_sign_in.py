"""Signing in against the central server, and remembering the account for offline use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.clock import utc_now
from app.domain.enums import Role
from app.persistence.models import User
from app.services.auth import StaffMember, hash_password


class ServerUnreachable(Exception):
    pass


class SignInRefused(Exception):
    """French message from the server."""


@dataclass(frozen=True)
class OnlineSession:
    token: str
    member: StaffMember


def sign_in_online(server_url: str, username: str, password: str) -> OnlineSession:
    try:
        response = httpx.post(
            f"{server_url}/api/v1/auth/sign-in",
            json={"username": username.strip(), "password": password},
            timeout=httpx.Timeout(10.0, connect=3.0),
        )
    except httpx.TransportError as exc:
        raise ServerUnreachable(str(exc)) from exc
    if 400 <= response.status_code < 500:
        # Refused (wrong password, disabled, locked after failures: 401, 429...), with the
        # server's reason; never taken for an unreachable server, which would sign in offline.
        try:
            body = response.json()
        except ValueError:
            body = None
        detail = body.get("detail") if isinstance(body, dict) else None
        raise SignInRefused(detail if isinstance(detail, str) else "Connexion refusée.")
    if response.status_code >= 400:
        raise ServerUnreachable(f"HTTP {response.status_code}")
    data = response.json()
    user = data["user"]
    member = StaffMember(
        uuid.UUID(user["id"]), user["username"], user["display_name"], Role(user["role"])
    )
    return OnlineSession(data["token"], member)


def remember_account(engine: Engine, member: StaffMember, password: str) -> None:
    """Keep this account on the workstation so its owner can sign in offline next time.

    Written outside change tracking: the password hash never leaves the machine, and the
    rest of the row is the server's and arrives (and is overwritten) by the next pull.
    """
    now = utc_now()
    digest = hash_password(password)
    statement = sqlite_insert(User).values(
        id=member.id,
        username=member.username,
        display_name=member.display_name,
        role=member.role,
        password_hash=digest,
        active=True,
        created_at=now,
        updated_at=now,
        deleted=False,
        hlc="",
        field_clocks="{}",
    )
    with engine.begin() as connection:
        connection.execute(
            statement.on_conflict_do_update(index_elements=["id"], set_={"password_hash": digest})
        )
