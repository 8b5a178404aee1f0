"""Bad input refused in the background: the French message reaches the screen that asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from app.domain.errors import ActionRefused, FieldErrors

T = TypeVar("T")


def refusable(work: Callable[[], T]) -> Callable[[], T]:
    """`work` whose bad input (FieldErrors, which `Operations` does not know) is refused as an
    ActionRefused carrying its French messages, so it reaches `on_error` or the message bar."""

    def run() -> T:
        try:
            return work()
        except FieldErrors as error:
            raise ActionRefused(" ".join(error.errors.values())) from error

    return run
