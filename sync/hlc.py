"""Hybrid logical clock (Kulkarni et al. 2014): wall time plus a counter plus the node.

A stamp is written "millis-counter-node" (13 and 6 digits, zero-padded) but always compared
as numbers (`stamp_key`, `later`): a stamp whose millis or counter has grown a digit would sort
before smaller ones as text, and newer edits would then lose to older ones for good.

A node that has seen a stamp always issues larger ones afterwards, so a workstation whose clock
runs hours slow still wins over an edit it had already received, and ties between nodes break
on the node id, the same way on every replica.

Drift is bounded (`MAX_AHEAD`) against the reference time, the server's: a stamp too far
ahead of it would drag every clock that observes it into the future. The server refuses pushed
stamps beyond its time plus the bound. A workstation learns the server's time at each sync
(as an offset from its wall clock, saved) and then:
- stamps with its wall time, held back to the server's when it runs ahead of it;
- ignores observed stamps beyond the server's time plus the bound;
- brings a clock found beyond the server's time plus the bound (a poisoned saved state, or a
  wall clock set back) back to the server's time plus the bound. That is still above every
  stamp it may legitimately have seen (none is further ahead), so its next edits still win
  over what it has seen. The price: until real time catches up (at most the bound), its
  edits win over others' concurrent ones, as a clock that fast within the bound would.
  Before it ever learnt the server's time it does not do so: a wall clock hours slow is no
  proof that the saved clock is wrong, and resetting it would make its next edits lose,
  silently, to values it had seen.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

log = logging.getLogger(__name__)

# 13 digits of milliseconds last until the year 2286; the counter allows 1e6 stamps per ms.
_MS_DIGITS = 13
_COUNTER_DIGITS = 6
COUNTER_LIMIT = 10**_COUNTER_DIGITS
# The stored columns are String(40): "millis-counter-" takes 21 characters, the node the rest.
MAX_STAMP_LENGTH = 40
_NODE_MAX = MAX_STAMP_LENGTH - _MS_DIGITS - _COUNTER_DIGITS - 2

# How far ahead of the server's time a stamp may be (and of a workstation's wall time, a
# stamp it observes). Five minutes: far more than the error of any clock kept by NTP (well
# under a second) or of a desk PC's unsynchronised clock over a day (seconds), and than the
# latency between a stamp being issued and reaching the server; yet short enough that a clock
# dragged to the bound makes other people's honest edits lose only for the few minutes real
# time takes to catch up. Workstation clocks further off are kept within it by following the
# server's time learnt at each sync (HybridClock.follow).
MAX_AHEAD = timedelta(minutes=5)

# The `code` of a push answer refusing an operation for its clock: the workstation stamps the
# edit again (with its clock held back to the server's time) and pushes it under a new op id.
CLOCK_AHEAD = "clock_ahead"

# A wall clock ahead of the server's by more than this is held back to the server's time.
FOLLOW_TOLERANCE_MILLIS = 60_000

_NODE = rf"[0-9A-Za-z_]{{1,{_NODE_MAX}}}"
_STAMP = re.compile(rf"([0-9]{{1,20}})-([0-9]{{1,20}})-({_NODE})")


@dataclass(frozen=True, order=True)
class Stamp:
    millis: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.millis:0{_MS_DIGITS}d}-{self.counter:0{_COUNTER_DIGITS}d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        """Strict: ASCII digits, a node of letters, digits and '_' (ValueError otherwise)."""
        found = _STAMP.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            raise ValueError(f"not an HLC stamp: {text!r:.60}")
        return cls(int(found[1]), int(found[2]), found[3])


_NONE = (-1, -1, "")


def stamp_key(text: str) -> tuple[int, int, str]:
    """Sort key of a stamp, in numbers. "" (no stamp yet) and unreadable text sort first."""
    if not text:
        return _NONE
    try:
        parsed = Stamp.parse(text)
    except ValueError:
        return _NONE
    return parsed.millis, parsed.counter, parsed.node


def later(a: str, b: str) -> bool:
    """True when stamp `a` is strictly later than stamp `b`."""
    return stamp_key(a) > stamp_key(b)


def newest(stamps: Iterable[str], default: str = "") -> str:
    """The latest of `stamps` (compared as numbers), `default` when there are none."""
    return max(stamps, key=stamp_key, default=default)


def millis_ahead(text: str, reference_millis: int) -> int:
    """How many milliseconds stamp `text` is ahead of `reference_millis` (<= 0: not ahead)."""
    return Stamp.parse(text).millis - reference_millis


class HybridClock:
    """Thread-safe HLC for one node. `wall_millis` is injectable for skew tests.

    `max_ahead` bounds drift; `offset_millis` (None: not known yet) is the reference time
    minus the wall time, learnt by `follow` (see the module's docstring).
    """

    def __init__(
        self,
        node: str,
        wall_millis: Callable[[], int],
        last: str = "",
        max_ahead: timedelta = MAX_AHEAD,
        offset_millis: int | None = None,
    ) -> None:
        if not re.fullmatch(_NODE, node):
            raise ValueError("node id must be 1-19 letters, digits or '_' (no '-')")
        self.node = node
        self._wall_clock = wall_millis
        self._bound = int(max_ahead.total_seconds() * 1000)
        self._offset = offset_millis
        self._lock = threading.Lock()
        try:
            parsed = Stamp.parse(last) if last else Stamp(0, 0, node)
        except ValueError:
            log.warning("unreadable saved clock %r: starting from the wall clock", last)
            parsed = Stamp(0, 0, node)
        self._millis, self._counter = parsed.millis, parsed.counter

    def follow(self, reference_millis: int) -> None:
        """Learn the reference (server) time, as an offset from the wall clock."""
        with self._lock:
            self._offset = reference_millis - self._wall_clock()

    @property
    def offset_millis(self) -> int | None:
        return self._offset

    def _wall(self) -> int:
        """The wall time stamps are made with: held back to the reference when it runs
        ahead of it by more than FOLLOW_TOLERANCE_MILLIS. Ahead by less (latency, ordinary
        error, well within the bound) or behind, it is kept, so that workstations with good
        clocks order their edits by their own time, and a slow one is the HLC's business."""
        wall = self._wall_clock()
        if self._offset is not None and self._offset < -FOLLOW_TOLERANCE_MILLIS:
            return wall + self._offset
        return wall

    def _limit(self) -> int:
        """The latest stamp this clock accepts: the reference time (else the wall time, not
        known yet) plus the bound."""
        return self._wall_clock() + (self._offset or 0) + self._bound

    def _rein(self) -> None:
        """Bring a clock found beyond the limit back to it (lock held; reference known)."""
        if self._offset is None:
            return
        limit = self._limit()
        if self._millis > limit:
            log.warning(
                "clock of node %s was %d ms beyond the bound: brought back to it",
                self.node,
                self._millis - limit,
            )
            self._millis, self._counter = limit, 0

    def now(self) -> str:
        """A stamp larger than every stamp this clock issued or observed within the bound."""
        with self._lock:
            self._rein()
            wall = self._wall()
            if wall > self._millis:
                self._millis, self._counter = wall, 0
            else:
                self._counter += 1
                if self._counter >= COUNTER_LIMIT:  # keep the counter's width: move a ms on
                    self._millis, self._counter = self._millis + 1, 0
            return str(Stamp(self._millis, self._counter, self.node))

    def observe(self, *stamps: str) -> None:
        """Take in stamps from elsewhere so that later local stamps are larger.

        A stamp beyond the limit is not taken in (logged): one bad row must not drag the
        clock into the future. Unreadable stamps are ignored too.
        """
        with self._lock:
            limit = self._limit()
            for stamp in stamps:
                if not stamp:
                    continue
                try:
                    seen = Stamp.parse(stamp)
                except ValueError:
                    log.warning("unreadable stamp %r not observed", stamp[:60])
                    continue
                if seen.millis > limit:
                    log.warning("stamp %s is beyond the clock bound: not observed", stamp)
                    continue
                if (seen.millis, seen.counter) > (self._millis, self._counter):
                    self._millis, self._counter = seen.millis, seen.counter

    @property
    def last(self) -> str:
        with self._lock:
            self._rein()
            return str(Stamp(self._millis, self._counter, self.node))
