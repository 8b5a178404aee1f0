"""Hybrid logical clock (Kulkarni et al. 2014): wall time plus a counter plus the node.

Stamps compare as strings. A node that has seen a stamp always issues larger ones afterwards,
so a workstation whose clock runs hours slow still wins over an edit it had already received,
and ties between nodes break on the node id, the same way on every replica.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

# 13 digits of milliseconds last until the year 2286; the counter allows 1e6 stamps per ms.
_MS_DIGITS = 13
_COUNTER_DIGITS = 6


@dataclass(frozen=True, order=True)
class Stamp:
    millis: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.millis:0{_MS_DIGITS}d}-{self.counter:0{_COUNTER_DIGITS}d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        millis, counter, node = text.split("-", 2)
        return cls(int(millis), int(counter), node)


class HybridClock:
    """Thread-safe HLC for one node. `wall_millis` is injectable for skew tests."""

    def __init__(self, node: str, wall_millis: Callable[[], int], last: str = "") -> None:
        if "-" in node or not node:
            raise ValueError("node id must be non-empty and free of '-'")
        self.node = node
        self._wall = wall_millis
        self._lock = threading.Lock()
        parsed = Stamp.parse(last) if last else Stamp(0, 0, node)
        self._millis, self._counter = parsed.millis, parsed.counter

    def now(self) -> str:
        """A stamp larger than every stamp this clock issued or observed."""
        with self._lock:
            wall = self._wall()
            if wall > self._millis:
                self._millis, self._counter = wall, 0
            else:
                self._counter += 1
            return str(Stamp(self._millis, self._counter, self.node))

    def observe(self, stamp: str) -> None:
        """Take in a stamp from elsewhere so that later local stamps are larger."""
        if not stamp:
            return
        seen = Stamp.parse(stamp)
        with self._lock:
            if (seen.millis, seen.counter) > (self._millis, self._counter):
                self._millis, self._counter = seen.millis, seen.counter

    @property
    def last(self) -> str:
        with self._lock:
            return str(Stamp(self._millis, self._counter, self.node))
