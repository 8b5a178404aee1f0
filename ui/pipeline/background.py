"""Small helpers for the pipeline screens' background work."""

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


class LatestRead:
    """Shows only the newest of a view's reads: reads run on several worker threads and may
    finish out of order, and an older result must not replace a newer one."""

    def __init__(self) -> None:
        self._started = 0

    def show(self, show: Callable[[T], None]) -> Callable[[T], None]:
        """Called when a read starts: `show`, for this read's result, unless a newer started."""
        self._started += 1
        mine = self._started

        def maybe(result: T) -> None:
            if mine == self._started:
                show(result)

        return maybe
