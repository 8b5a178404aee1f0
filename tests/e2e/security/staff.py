"""Extra staff accounts for security tests, created straight in the server database."""

from __future__ import annotations

import uuid

import httpx

from app.domain.enums import Role
from app.persistence.models import User
from app.services.auth import hash_password
from server.bootstrap import stamp_unsequenced
from tests.e2e.harness import PASSWORD

_DIGEST = hash_password(PASSWORD)


def add_staff(live, role: Role) -> tuple[str, uuid.UUID]:  # type: ignore[no-untyped-def]
    """A new active account of `role` (password "demo"); returns (username, id)."""
    username = f"{role.value}-{uuid.uuid4().hex[:10]}"
    with live.sessions.begin() as session:
        user = User(username=username, display_name=username, role=role, password_hash=_DIGEST)
        session.add(user)
        session.flush()
        user_id = user.id
    stamp_unsequenced(live.engine)
    return username, user_id


def sign_in(
    live,  # type: ignore[no-untyped-def]
    username: str,
    password: str = PASSWORD,
    address: str = "192.0.2.1",
) -> httpx.Response:
    """One sign-in attempt, as if from `address` (the server trusts X-Forwarded-For from
    loopback only, as a reverse proxy on the same host would send it)."""
    return httpx.post(
        f"{live.url}/api/v1/auth/sign-in",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
        timeout=60,
    )


def bearer(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}
