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

# ui/ functions that still query or build PDFs on the UI thread (issue 15, in progress).
STILL_ON_THE_UI_THREAD: frozenset[str] = frozenset(
    {
        # ui/billing/
        "ui.billing.billing_window:<lambda>",
        "ui.billing.billing_window:refresh",
        "ui.billing.collection_dialogs:save",
        "ui.billing.debit_tab:<lambda>",
        "ui.billing.debit_tab:refresh",
        "ui.billing.debit_tab:save_batch_file",
        "ui.billing.dunning_tab:record_reminder",
        "ui.billing.dunning_tab:refresh",
        "ui.billing.invoice_list_tab:_pdf",
        "ui.billing.invoice_list_tab:refresh",
        "ui.billing.invoice_list_tab:show_statement",
        "ui.billing.provider_payments:record",
        "ui.billing.provider_payments:refresh",
        "ui.billing.provider_payments:revoke_mandate",
        "ui.billing.provider_payments:show_statement",
        # ui/contracts/
        "ui.contracts.contract_editor:__init__",
        "ui.contracts.contract_editor:_move",
        "ui.contracts.contract_editor:_reload_if_answered",
        "ui.contracts.contract_editor:_request",
        "ui.contracts.contract_editor:_show_history",
        "ui.contracts.contract_editor:generate_pdf",
        "ui.contracts.contract_editor:load_version",
        "ui.contracts.contract_editor:save",
        "ui.contracts.contracts_overview:refresh",
        "ui.contracts.coverage_editor:__init__",
        "ui.contracts.simulation_dialog:compute",
        "ui.contracts.simulation_dialog:export_pdf",
        # ui/pipeline/
        "ui.pipeline.import_dialog:analyse",
        "ui.pipeline.import_dialog:run_import",
        "ui.pipeline.provider_account:<lambda>",
        "ui.pipeline.provider_account:decide_selected",
        "ui.pipeline.provider_account:file_dispute",
        "ui.pipeline.provider_account:refresh",
        "ui.pipeline.provider_dialog:__init__",
        "ui.pipeline.provider_dialog:save",
        "ui.pipeline.provider_list:reload_saved",
        "ui.pipeline.provider_list:save_current",
        "ui.pipeline.sales_window:<lambda>",
        "ui.pipeline.sales_window:_show_day",
        "ui.pipeline.sales_window:log_call",
        "ui.pipeline.sales_window:move_to_stage",
        "ui.pipeline.sales_window:provider_dialog",
        "ui.pipeline.sales_window:refresh",
        "ui.pipeline.sales_window:simulation_dialog",
        # ui/session/
        "ui.session.sign_in_dialog:authenticate",
        "ui.session.sign_in_dialog:local_accounts",
        "ui.session.workspace_dialog:open_or_recover",
        # ui/sync/
        "ui.sync.conflicts_dialog:_resolve",
        "ui.sync.conflicts_dialog:reload",
        "ui.sync.sync_session:__init__",
        "ui.sync.sync_session:_offline",
        "ui.sync.sync_session:_opened",
        "ui.sync.sync_session:_status",
        "ui.sync.sync_session:authenticate",
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
