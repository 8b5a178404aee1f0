"""The managers' « Comptes » screen: disable and re-enable accounts, unlock failed sign-ins,
with the server's reason when it refuses."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from app.services.staff import StaffRow
from tests.ui.conftest import settle
from ui.admin.accounts_dialog import AccountCalls, AccountsDialog
from ui.core.changes import ChangeBus, Changes
from ui.core.operations import Operations

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


@pytest.fixture
def operations(qapp) -> Iterator[Operations]:  # type: ignore[no-untyped-def]
    running = Operations(ChangeBus())
    yield running
    running.shutdown()


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


def test_a_manager_disables_an_account_unlocks_one_and_reads_refusals(qtbot, operations) -> None:  # type: ignore[no-untyped-def]
    server = Server()
    dialog = AccountsDialog(
        lambda: STAFF,
        AccountCalls(server.locks, server.unlock, server.set_active),
        operations=operations,
    )
    qtbot.addWidget(dialog)
    settle(qtbot, dialog)
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


def test_without_a_server_nothing_can_be_changed(qtbot, operations) -> None:  # type: ignore[no-untyped-def]
    dialog = AccountsDialog(lambda: STAFF, None, operations=operations)
    qtbot.addWidget(dialog)
    assert not dialog.disable_button.isEnabled() and not dialog.unlock_button.isEnabled()


def test_the_staff_list_is_read_off_the_ui_thread_and_follows_the_sync(qtbot, operations) -> None:  # type: ignore[no-untyped-def]
    readers: list[threading.Thread] = []
    staff = list(STAFF)

    def read() -> list[StaffRow]:
        readers.append(threading.current_thread())
        return list(staff)

    dialog = AccountsDialog(read, None, operations=operations)
    qtbot.addWidget(dialog)
    settle(qtbot, dialog)
    assert readers and all(t is not threading.main_thread() for t in readers)
    assert dialog.accounts.topLevelItemCount() == 2
    # A sync brings a disabled account: the list reads again, no refresh() called.
    staff[1] = StaffRow("2", "expert1", "Expert1", "expert", False)
    operations.changes.announce(Changes.of("users"))
    settle(qtbot, dialog)
    assert dialog.accounts.topLevelItem(1).text(3) == "désactivé"
    operations.changes.announce(Changes.of("leads"))  # not its table: not read again
    settle(qtbot, dialog)
    assert len(readers) == 2


def test_the_columns_stay_as_the_manager_left_them(qtbot, operations) -> None:  # type: ignore[no-untyped-def]
    from ui.core.remembered import Remembered

    remembered = Remembered()
    first = AccountsDialog(lambda: STAFF, None, operations=operations, remembered=remembered)
    qtbot.addWidget(first)
    first.accounts.header().resizeSection(1, 333)
    again = AccountsDialog(lambda: STAFF, None, operations=operations, remembered=remembered)
    qtbot.addWidget(again)
    assert again.accounts.header().sectionSize(1) == 333


def test_lock_times_show_in_the_offices_zone_to_the_second() -> None:
    from ui.admin.accounts_dialog import _when

    # 02:44:58 UTC in December is 03:44:58 in Paris: a lock must not read as ending earlier.
    assert _when("2026-12-02T02:44:58+00:00") == "02/12/2026 03:44:58"
    assert _when(None) == ""
