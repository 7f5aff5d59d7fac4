"""How many events one visitor, and one client address, may send: bursts pass, floods wait."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from server import metrics

BURST_SECONDS = 10.0  # a bucket holds this many seconds of its rate: a page's burst at load passes at once


class EventRateLimit:
    """Token buckets, one per visitor id and one per client address; a rate of 0 means no limit.

    A request takes one token per event from both of its buckets, or none when either is short;
    it is then told how many seconds until it would pass.

    >>> now = [0.0]
    >>> limit = EventRateLimit(per_visitor=2, per_address=100, clock=lambda: now[0])
    >>> limit.retry_after(visitor="v1", address="a", events=20), limit.retry_after(visitor="v1", address="a", events=1)
    (0, 1)
    >>> limit.retry_after(visitor="v2", address="a", events=1)   # another visitor at the same address
    0
    >>> now[0] = 0.5; limit.retry_after(visitor="v1", address="a", events=1)
    0
    """

    def __init__(self, *, per_visitor: float, per_address: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_visitor, self.per_address, self.clock = per_visitor, per_address, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when they were counted)
        self._lock = threading.Lock()
        self._swept_at = clock()
        self.refused = 0

    def retry_after(self, *, visitor: str | None, address: str, events: int) -> int:
        """0 when the events may pass now (their tokens are taken), else whole seconds to wait."""
        wanted = [(f"a:{address}", self.per_address)]
        if visitor is not None:
            wanted.append((f"v:{visitor}", self.per_visitor))
        wanted = [(key, rate) for key, rate in wanted if rate > 0]
        if not wanted:
            return 0
        with self._lock:
            now = self.clock()
            self._sweep(now)
            levels = [(key, rate, self._level(key, rate, now)) for key, rate in wanted]
            waits = [(events - tokens) / rate for key, rate, tokens in levels if tokens < events]
            if waits:
                self.refused += events
                metrics.RATE_LIMITED.labels("events").inc()
                return max(1, math.ceil(max(waits)))
            for key, rate, tokens in levels:
                self._buckets[key] = (tokens - events, now)
            return 0

    def _level(self, key: str, rate: float, now: float) -> float:
        capacity = rate * BURST_SECONDS
        tokens, counted_at = self._buckets.get(key, (capacity, now))
        return min(capacity, tokens + (now - counted_at) * rate)

    def _sweep(self, now: float) -> None:
        """Forget buckets that have refilled: they hold no more than a new one would, so memory stays bounded."""
        if now - self._swept_at < BURST_SECONDS:
            return
        self._swept_at = now
        self._buckets = {key: value for key, value in self._buckets.items() if now - value[1] < BURST_SECONDS}
