"""The event rate limits at an edge, counted in Redis so they hold across edges (not N times the setting).

The events route asks `retry_after` before it stores; here that only notes who is sending (in the request's
context) and says "pass". The events script (server/scaled/stream.py, ADD_EVENTS) then charges the batch to a
counter per visitor hash and per client address for the current window, and adds the events only if both stay
within `rate × BURST_SECONDS`, in the same round trip as the XADD. Windows are fixed (BURST_SECONDS long), so a
burst straddling two windows can pass up to twice a window's worth, where the embedded token bucket passes one.
While Redis is unreachable no event is taken (503), so nothing needs limiting.
"""

from __future__ import annotations

import hashlib
import math
import time
from contextvars import ContextVar

from litestar.exceptions import TooManyRequestsException

from server import metrics
from server.events.rate_limit import BURST_SECONDS, EventRateLimit

_sender: ContextVar[str | None] = ContextVar("attune_event_sender", default=None)  # the client address


class SharedEventRateLimit(EventRateLimit):
    def retry_after(self, *, visitor: str | None, address: str, events: int) -> int:
        _sender.set(address)  # read by `limits` below, in the same request, when its events are stored
        return 0

    def limits(self, *, site: str, visitor: str | None) -> tuple[list[str], list[int]]:
        """The counters this request is charged to (keys) and, per key, how many events its window allows and
        how long it lives (ms). `visitor`: the hash the events are stored with."""
        window = int(time.time() // BURST_SECONDS)
        address = _sender.get()
        wanted = [] if address is None else [(f"a:{_short_hash(address)}", self.per_address)]
        if visitor is not None:
            wanted.append((f"v:{site}:{visitor}", self.per_visitor))
        keys, args = [], []
        for name, rate in wanted:
            if rate > 0:
                keys.append(f"attune:rate:{name}:{window}")
                args += [max(1, int(rate * BURST_SECONDS)), int(BURST_SECONDS * 2000)]
        return keys, args

    def refuse(self, events: int) -> TooManyRequestsException:
        self.refused += events
        metrics.RATE_LIMITED.labels("events").inc()
        wait = max(1, math.ceil(BURST_SECONDS - time.time() % BURST_SECONDS))  # until the next window
        return TooManyRequestsException(f"too many events from this visitor or address: retry in {wait} s",
                                        headers={"retry-after": str(wait)})


def _short_hash(address: str) -> str:
    return hashlib.blake2b(address.encode(), digest_size=8).hexdigest()  # no client address is written to Redis
