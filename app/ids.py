"""Record ids: UUID version 7 (RFC 9562), born where the record is.

Time-ordered ids keep the primary-key B-trees append-mostly (random UUID4 keys scatter every
insert over the whole index) while staying unique without a server round trip.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime


def uuid7(at: datetime | None = None, rand: int | None = None) -> uuid.UUID:
    """A UUIDv7 for now (or for `at`); `rand` (74 bits) makes it reproducible for demo data."""
    return uuid.UUID(int=uuid7_int(at, rand))


def uuid7_int(at: datetime | None = None, rand: int | None = None) -> int:
    millis = int((at.timestamp() if at else time.time()) * 1000)
    bits = rand if rand is not None else int.from_bytes(os.urandom(10))
    rand_a = (bits >> 62) & 0xFFF
    rand_b = bits & ((1 << 62) - 1)
    return (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
