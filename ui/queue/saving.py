"""A form's save on a worker thread, with the form kept open and filled when it is refused.

The queue's dialogs (callback, close, requalification) show the service's refusal next to
what was typed: a `FieldErrors` by field, a `SlotRefused` with its suggested slot. Those are
the work's answer, not a failure, so they come back as the result of the background work and
nothing is announced as changed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox

from app.domain.errors import ActionRefused, FieldErrors
from ui.core.changes import Changes
from ui.core.operations import Operations

Refusal = FieldErrors | ActionRefused


def save_form(
    operations: Operations,
    dialog: QDialog,
    save: Callable[[], object],
    changes: Changes,
    refused: Callable[[Refusal], None],
    failed: Callable[[str], None],
) -> None:
    """Run `save` in the background; accept `dialog` once saved, else hand back the refusal."""

    def work() -> Refusal | None:
        try:
            save()
        except (FieldErrors, ActionRefused) as refusal:
            return refusal
        return None

    buttons = dialog.findChildren(QDialogButtonBox)
    for box in buttons:
        box.setEnabled(False)

    def enable() -> None:
        for box in buttons:
            box.setEnabled(True)

    def done(refusal: Refusal | None) -> None:
        enable()
        if refusal is None:
            dialog.accept()
        else:
            refused(refusal)

    def error(message: str) -> None:
        enable()
        failed(message)

    operations.run(
        work,
        done,
        error,
        owner=dialog,
        changes=lambda refusal: changes if refusal is None else Changes(),
    )
