"""Sign-in throttle and lockout (issue 14, class 8), on a server of this module's own so that
its locks never reach other tests. Each test uses its own accounts and client addresses."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from app.clock import utc_now
from app.domain.enums import Role
from server.persistence.models import SignInThrottle
from sync.online_sign_in import SignInRefused, sign_in_online
from tests.e2e.security.staff import add_staff, bearer, sign_in


def _locked(answer: httpx.Response) -> int:
    """The Retry-After of a refused attempt (asserting it is a French 429)."""
    assert answer.status_code == 429, answer.text
    assert "connexion" in answer.json()["detail"]
    retry = int(answer.headers["Retry-After"])
    assert retry > 0
    return retry


def test_two_hundred_wrong_passwords_lock_the_account_even_for_the_right_one(live_server):
    username, _ = add_staff(live_server, Role.EXPERT)
    # A new address each time: the account's own count locks it, not the address's.
    codes = [
        sign_in(live_server, username, "wrong", f"198.51.100.{n % 250 + 1}").status_code
        for n in range(200)
    ]
    assert set(codes) == {401, 429}
    assert codes.count(401) <= 5
    # Every worker sees the lock (the state is in the database; connections go to both).
    for n in range(6):
        _locked(sign_in(live_server, username, address=f"203.0.113.{n + 1}"))


def test_a_successful_sign_in_resets_the_accounts_count(live_server):
    username, _ = add_staff(live_server, Role.SALES)
    for _round in range(3):
        for _ in range(4):
            assert sign_in(live_server, username, "wrong", "192.0.2.10").status_code == 401
        assert sign_in(live_server, username, address="192.0.2.10").status_code == 200
    for _ in range(5):
        assert sign_in(live_server, username, "wrong", "192.0.2.10").status_code == 401
    _locked(sign_in(live_server, username, address="192.0.2.10"))


def test_an_address_that_tries_many_accounts_is_throttled(live_server):
    username, _ = add_staff(live_server, Role.EXPERT)
    codes = [
        sign_in(live_server, f"guess{n}", "wrong", "192.0.2.20").status_code for n in range(40)
    ]
    assert set(codes) == {401, 429}
    assert codes.count(401) <= 20
    # The address is throttled even for a right password; the account itself is not.
    _locked(sign_in(live_server, username, address="192.0.2.20"))
    assert sign_in(live_server, username, address="192.0.2.21").status_code == 200


def test_the_lock_grows_after_each_failure_once_it_has_expired(live_server):
    username, _ = add_staff(live_server, Role.EXPERT)
    for n in range(5):
        sign_in(live_server, username, "wrong", f"192.0.2.{30 + n}")
    first = _locked(sign_in(live_server, username, address="192.0.2.40"))
    with live_server.sessions.begin() as session:  # the lock runs out
        session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.kind == "account", SignInThrottle.subject == username)
            .values(locked_until=utc_now() - timedelta(seconds=1))
        )
    assert sign_in(live_server, username, "wrong", "192.0.2.41").status_code == 401
    second = _locked(sign_in(live_server, username, address="192.0.2.42"))
    assert second > first


def test_managers_see_locked_accounts_and_an_admin_unlocks_one(live_server):
    username, _ = add_staff(live_server, Role.EXPERT)
    admin, _ = add_staff(live_server, Role.ADMIN)
    for n in range(8):
        sign_in(live_server, username, "wrong", f"192.0.2.{50 + n}")
    _locked(sign_in(live_server, username, address="192.0.2.60"))

    expert = bearer(sign_in(live_server, add_staff(live_server, Role.EXPERT)[0], address="::1"))
    assert httpx.get(f"{live_server.url}/api/v1/auth/locks", headers=expert).status_code == 403
    manager = live_server.client("manager1")
    listing = manager.get("/api/v1/auth/locks")
    assert listing.status_code == 200, listing.text
    [entry] = [e for e in listing.json()["locks"] if e["subject"] == username]
    assert entry["kind"] == "account" and entry["failures"] >= 5 and entry["locked_until"]

    headers = bearer(sign_in(live_server, admin, address="192.0.2.61"))
    answer = httpx.post(
        f"{live_server.url}/api/v1/auth/locks/unlock",
        json={"kind": "account", "subject": username},
        headers=headers,
    )
    assert answer.status_code == 204, answer.text
    assert sign_in(live_server, username, address="192.0.2.62").status_code == 200
    assert username not in [e["subject"] for e in manager.get("/api/v1/auth/locks").json()["locks"]]


def test_a_locked_account_is_refused_on_the_workstation_not_signed_in_offline(live_server):
    username, _ = add_staff(live_server, Role.EXPERT)
    for n in range(5):
        sign_in(live_server, username, "wrong", f"192.0.2.{70 + n}")
    # A refusal, with the server's reason: never "server unreachable", which would fall back
    # to the workstation's own copy of the password.
    with pytest.raises(SignInRefused, match="verrouillé"):
        sign_in_online(live_server.url, username, "demo")
