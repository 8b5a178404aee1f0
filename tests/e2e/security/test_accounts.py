"""Who may disable or re-enable which account (issue 14, class 9)."""

from __future__ import annotations

import uuid

import httpx

from app.domain.enums import Role
from app.persistence.models import User
from tests.e2e.security.staff import add_staff, bearer, sign_in


def _user(live, user_id: uuid.UUID) -> User:  # type: ignore[no-untyped-def]
    with live.sessions() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def _as(live, username: str) -> httpx.Client:  # type: ignore[no-untyped-def]
    return httpx.Client(base_url=live.url, headers=bearer(sign_in(live, username)), timeout=60)


def test_a_manager_cannot_disable_an_admin(live_server):
    _, admin_id = add_staff(live_server, Role.ADMIN)
    answer = live_server.client("manager1").post(f"/api/v1/users/{admin_id}/disable")
    assert answer.status_code == 403, answer.text
    assert "administrateur" in answer.json()["detail"]
    assert _user(live_server, admin_id).active


def test_nobody_disables_their_own_account(live_server):
    for role in (Role.MANAGER, Role.ADMIN):
        username, user_id = add_staff(live_server, role)
        with _as(live_server, username) as client:
            answer = client.post(f"/api/v1/users/{user_id}/disable")
            assert answer.status_code == 409, answer.text
            assert "propre compte" in answer.json()["detail"]
            assert client.get("/api/v1/sync/pull").status_code == 200  # still signed in
        assert _user(live_server, user_id).active


def test_the_last_active_admin_stays_active(live_server):
    # However the disables are ordered, an admin remains: the last one refuses.
    names = [add_staff(live_server, Role.ADMIN) for _ in range(2)]
    with live_server.sessions.begin() as session:
        others = session.query(User).filter(
            User.role == Role.ADMIN, User.id.not_in([i for _, i in names])
        )
        others.update({User.active: False}, synchronize_session=False)
    (first, first_id), (second, second_id) = names
    with _as(live_server, first) as one, _as(live_server, second) as two:
        assert one.post(f"/api/v1/users/{second_id}/disable").status_code == 204
        answer = one.post(f"/api/v1/users/{first_id}/disable")
        assert answer.status_code == 409, answer.text
        assert two.post(f"/api/v1/users/{first_id}/disable").status_code == 401  # token revoked
    assert _user(live_server, first_id).active


def test_a_disabled_account_is_enabled_again_and_signs_in(live_server):
    username, user_id = add_staff(live_server, Role.EXPERT)
    manager = live_server.client("manager1")
    assert manager.post(f"/api/v1/users/{user_id}/disable").status_code == 204
    refused = sign_in(live_server, username)
    assert refused.status_code == 401 and "désactivé" in refused.json()["detail"]
    seq_disabled = _user(live_server, user_id).server_seq

    assert live_server.client("expert1").post(f"/api/v1/users/{user_id}/enable").status_code == 403
    answer = manager.post(f"/api/v1/users/{user_id}/enable")
    assert answer.status_code == 204, answer.text
    assert sign_in(live_server, username).status_code == 200
    user = _user(live_server, user_id)
    assert user.active and user.server_seq > seq_disabled  # synced to every workstation
    assert manager.post(f"/api/v1/users/{uuid.uuid4()}/enable").status_code == 404


def test_a_manager_cannot_enable_an_admin(live_server):
    _, admin_id = add_staff(live_server, Role.ADMIN)
    other, _ = add_staff(live_server, Role.ADMIN)
    with _as(live_server, other) as client:
        assert client.post(f"/api/v1/users/{admin_id}/disable").status_code == 204
    answer = live_server.client("manager1").post(f"/api/v1/users/{admin_id}/enable")
    assert answer.status_code == 403, answer.text
    assert not _user(live_server, admin_id).active
