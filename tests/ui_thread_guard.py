"""The UI-thread guard: no database query and no PDF is built by ui/ code on the UI thread.

Installed for the whole suite (tests/conftest.py). A database connection checked out, or a
PDF canvas created, on the main thread while a frame of the `ui` package is on the stack is a
violation, named by its innermost ui/ frame (`ui.queue.main_window:show_lead`). Test code
that prepares data on the main thread has no ui/ frame and is not concerned; work handed to
`ui.core.operations` runs on worker threads and is not concerned either.

`STILL_ON_THE_UI_THREAD` lists the screens not yet moved to background operations; a test
fails on any other violation, and on an entry that no longer happens anywhere in the suite
(`CRM_UI_THREAD_GUARD_REPORT` writes what was seen, for `make test` to compare).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import Pool

# ui/ functions allowed to query on the UI thread, each with its reason.
STILL_ON_THE_UI_THREAD: frozenset[str] = frozenset(
    {
        # ui/session/: kept on purpose. open_or_recover opens the local workspace at start-up,
        # before any window (nothing to keep responsive), and with a server only after the
        # worker thread failed to open the account's file, to ask the user what to do (its
        # questions need the UI thread; the sign-in waits for the answer).
        "ui.session.workspace_dialog:open_or_recover",
    }
)

_seen: list[str] = []
_installed = False


def _innermost_ui_frame(frame: FrameType | None) -> str | None:
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module == "ui" or module.startswith("ui."):
            return f"{module}:{frame.f_code.co_name}"
        frame = frame.f_back
    return None


def _check(what: str) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    where = _innermost_ui_frame(sys._getframe(2))
    if where is not None:
        _seen.append(f"{where} ({what})")


def _on_checkout(_dbapi: Any, _record: Any, _proxy: Any) -> None:
    _check("database")


def _wrap_pdf(cls: type, name: str) -> None:
    original: Callable[..., Any] = getattr(cls, name)

    def guarded(*args: Any, **kwargs: Any) -> Any:
        _check("pdf")
        return original(*args, **kwargs)

    setattr(cls, name, guarded)


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    event.listen(Pool, "checkout", _on_checkout)
    from reportlab.pdfgen.canvas import Canvas

    _wrap_pdf(Canvas, "__init__")


def take() -> list[str]:
    """The violations seen since the last call."""
    seen = list(dict.fromkeys(_seen))
    _seen.clear()
    return seen


def unexpected(violations: list[str]) -> list[str]:
    report = os.environ.get("CRM_UI_THREAD_GUARD_REPORT")
    if report:
        with Path(report).open("a", encoding="utf-8") as out:
            out.writelines(f"{v}\n" for v in violations)
    return [v for v in violations if v.split(" (")[0] not in STILL_ON_THE_UI_THREAD]
