"""A fault of the Qt bindings on Python 3.11 that the app must live with.

PySide6 6.12 is built once for every Python (the stable ABI, abi3) and assumes Python
3.12's immortal `None`, `True` and `False` (PEP 683), whose reference counts are never
looked at. On Python 3.11 they are real counts, and Shiboken drops references to them
that it never took: one to `True` for every queued signal delivered to a Python slot,
one to `None` for every Python override or slot called from C++ (timers, events, clicks).
qasync hands every worker-thread result (each `asyncio.to_thread` of the sync engine) to
the loop by a queued signal, so a synced session drains them quickly; when a count reaches
zero, often in the interpreter's teardown, Python aborts with "Fatal Python error:
bool_dealloc: deallocating True or False" (or none_dealloc), exit code 134 (250 for make).

Measured with this venv: 300 `asyncio.to_thread` on qasync's loop, 300 button clicks
and 300 loop turns take about 1,300 references from `None` and 300 from `True`.
"""

from __future__ import annotations

import ctypes
import sys

# Far more than any session could lose (a million a second for twelve days), and far
# below the 64-bit limit: the count never reaches zero, as with Python 3.12's immortals.
_EXTRA_REFERENCES = 1 << 40


def keep_singletons_alive() -> None:
    """Give None, True and False the never-ending reference counts Python 3.12 gives them.

    Call once, before Qt starts and before any thread. A no-op where they are immortal.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for singleton in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt comes first
        if count.value < _EXTRA_REFERENCES:
            count.value += _EXTRA_REFERENCES
