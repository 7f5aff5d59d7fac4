"""How many visitor-rights calls one client address may make: a person clicks a few; a script guessing ids waits."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from server import metrics

MINUTE = 60.0


class AddressRateLimit:
    """One token bucket per client address holding `per_minute` calls, refilled at `per_minute` a minute; 0: no limit.

    >>> now = [0.0]
    >>> limit = AddressRateLimit(per_minute=2, clock=lambda: now[0])
    >>> [limit.retry_after("a") for _ in range(3)], limit.retry_after("b")
    ([0, 0, 30], 0)
    >>> now[0] = 30.0; limit.retry_after("a")
    0
    """

    def __init__(self, *, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, when they were counted)
        self._lock = threading.Lock()
        self._swept_at = clock()
        self.refused = 0

    def retry_after(self, address: str) -> int:
        """0 when the call may pass now (its token is taken), else whole seconds to wait."""
        if self.per_minute <= 0:
            return 0
        rate = self.per_minute / MINUTE
        with self._lock:
            now = self.clock()
            self._sweep(now)
            tokens, counted_at = self._buckets.get(address, (self.per_minute, now))
            tokens = min(self.per_minute, tokens + (now - counted_at) * rate)
            if tokens < 1:
                self.refused += 1
                metrics.RATE_LIMITED.labels("privacy").inc()
                return max(1, math.ceil((1 - tokens) / rate))
            self._buckets[address] = (tokens - 1, now)
            return 0

    def _sweep(self, now: float) -> None:
        """Forget buckets untouched for a minute: they have refilled, so memory stays bounded."""
        if now - self._swept_at < MINUTE:
            return
        self._swept_at = now
        self._buckets = {key: value for key, value in self._buckets.items() if now - value[1] < MINUTE}
