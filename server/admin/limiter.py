"""Failed sign-ins, counted per client address and per user name in a sliding window."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable


class LoginLimiter:
    """After `per_name` failures for one name, or `per_address` from one address, within `window`
    seconds, every attempt (right password or not) is refused until the oldest failure ages out."""

    def __init__(self, *, per_name: int = 5, per_address: int = 20, window: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_name, self.per_address, self.window, self.clock = per_name, per_address, window, clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, *, address: str, name: str) -> int:
        """Seconds until an attempt is allowed again; 0 when it is allowed now."""
        with self._lock:
            now = self.clock()
            by_address = self._wait(f"address:{address}", self.per_address, now)
            return max(by_address, self._wait(f"name:{name}", self.per_name, now))

    def failed(self, *, address: str, name: str) -> None:
        with self._lock:
            now = self.clock()
            for key in (f"address:{address}", f"name:{name}"):
                self._failures[key].append(now)

    def _wait(self, key: str, limit: int, now: float) -> int:
        failures = self._failures.get(key)
        if not failures:
            return 0
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]  # names tried once are forgotten: guessing names cannot grow memory
            return 0
        if len(failures) < limit:
            return 0
        return max(1, int(failures[-limit] + self.window - now + 0.999))
