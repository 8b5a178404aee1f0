"""The managers' « Comptes » screen: disable and re-enable accounts, unlock failed sign-ins,
with the server's reason when it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from app.services.staff import StaffRow
from ui.admin.accounts_dialog import AccountCalls, AccountsDialog

STAFF = [
    StaffRow("1", "admin", "Admin", "admin", True),
    StaffRow("2", "expert1", "Expert1", "expert", True),
]
LOCKS = {
    "locks": [
        {"kind": "account", "subject": "expert1", "failures": 7,
         "last_attempt_at": "2026-12-01T09:00:00+00:00",
         "locked_until": "2026-12-01T09:02:00+00:00"},
        {"kind": "address", "subject": "192.0.2.7", "failures": 3,
         "last_attempt_at": "2026-12-01T08:00:00+00:00", "locked_until": None},
    ]
}  # fmt: skip


def _finish(step: Any) -> None:
    """The server's answer needs no real wait here: the coroutine ends on its first step."""
    with pytest.raises(StopIteration):
        step.send(None)


class Server:
    def __init__(self) -> None:
        self.asked: list[tuple[Any, ...]] = []

    async def locks(self) -> dict[str, Any]:
        return LOCKS

    async def unlock(self, kind: str, subject: str) -> None:
        self.asked.append(("unlock", kind, subject))

    async def set_active(self, user_id: str, active: bool) -> None:
        if user_id == "1":
            raise RuntimeError("Seul un administrateur peut désactiver un administrateur.")
        self.asked.append(("active", user_id, active))


def test_a_manager_disables_an_account_unlocks_one_and_reads_refusals(qtbot) -> None:  # type: ignore[no-untyped-def]
    server = Server()
    dialog = AccountsDialog(
        lambda: STAFF, AccountCalls(server.locks, server.unlock, server.set_active)
    )
    qtbot.addWidget(dialog)
    assert dialog.accounts.topLevelItemCount() == 2
    _finish(dialog.load_locks())
    assert dialog.locks.topLevelItem(0).text(0) == "expert1"
    assert dialog.locks.topLevelItem(0).text(3).startswith("jusqu'à")
    assert dialog.locks.topLevelItem(1).text(0) == "adresse 192.0.2.7"

    dialog.accounts.setCurrentItem(dialog.accounts.topLevelItem(1))
    _finish(dialog.change(active=False))
    assert dialog.accounts.topLevelItem(1).text(3) == "désactivé"
    _finish(dialog.change(active=True))
    assert dialog.accounts.topLevelItem(1).text(3) == "actif"

    dialog.accounts.setCurrentItem(dialog.accounts.topLevelItem(0))
    _finish(dialog.change(active=False))
    assert "Seul un administrateur" in dialog.status.text()
    assert dialog.accounts.topLevelItem(0).text(3) == "actif"

    dialog.locks.setCurrentItem(dialog.locks.topLevelItem(0))
    _finish(dialog.lift())
    assert dialog.locks.topLevelItemCount() == 1
    assert server.asked == [
        ("active", "2", False),
        ("active", "2", True),
        ("unlock", "account", "expert1"),
    ]


def test_without_a_server_nothing_can_be_changed(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = AccountsDialog(lambda: STAFF, None)
    qtbot.addWidget(dialog)
    assert not dialog.disable_button.isEnabled() and not dialog.unlock_button.isEnabled()


def test_lock_times_show_in_the_offices_zone_to_the_second() -> None:
    from ui.admin.accounts_dialog import _when

    # 02:44:58 UTC in December is 03:44:58 in Paris: a lock must not read as ending earlier.
    assert _when("2026-12-02T02:44:58+00:00") == "02/12/2026 03:44:58"
    assert _when(None) == ""
