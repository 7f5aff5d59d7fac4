"""Failed sign-ins, counted per (name, address) and per address, in a sliding window."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class LoginLimiter:
    """After `per_name` failures for one name from one address, or `per_address` failures from one address for
    any names, within `window` seconds, that address is refused (right password or not) until the oldest of those
    failures ages out. Other addresses are never refused for it: guessing from one place cannot lock a user out.

    >>> now = [0.0]
    >>> limiter = LoginLimiter(per_name=2, window=60, clock=lambda: now[0])
    >>> for _ in range(2):
    ...     limiter.failed(address="198.51.100.9", name="admin")
    >>> now[0] = 15.0
    >>> limiter.retry_after(address="198.51.100.9", name="admin"), limiter.retry_after(address="10.1.1.1", name="admin")
    (45, 0)
    """

    def __init__(self, *, per_name: int = 5, per_address: int = 20, window: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_name, self.per_address, self.window, self.clock = per_name, per_address, window, clock
        self._failures: dict[tuple[str, ...], deque[float]] = {}
        self._swept_at = clock()
        self._lock = threading.Lock()

    def retry_after(self, *, address: str, name: str) -> int:
        """Whole seconds until this address may try this name again; 0 when it may now."""
        with self._lock:
            now = self.clock()
            return max(self._wait(("address", address), self.per_address, now),
                       self._wait(("name", name, address), self.per_name, now))

    def failed(self, *, address: str, name: str) -> None:
        with self._lock:
            now = self.clock()
            self._sweep(now)
            for key, limit in ((("address", address), self.per_address), (("name", name, address), self.per_name)):
                # only the newest `limit` failures decide a wait, so no key holds more
                self._failures.setdefault(key, deque(maxlen=limit)).append(now)

    def succeeded(self, *, address: str, name: str) -> None:
        """The right password: this name's failures from this address are forgiven (the address's are not)."""
        with self._lock:
            self._failures.pop(("name", name, address), None)

    def __len__(self) -> int:
        """How many (name, address) and address counters are held."""
        return len(self._failures)

    def _wait(self, key: tuple[str, ...], limit: int, now: float) -> int:
        failures = self._failures.get(key)
        if failures is None or len(failures) < limit or failures[-limit] <= now - self.window:
            return 0
        return max(1, math.ceil(failures[-limit] + self.window - now))

    def _sweep(self, now: float) -> None:
        # at most once a window, forget every counter whose newest failure has aged out: memory stays bounded by
        # the failures of the last two windows, however many names and addresses are tried
        if now - self._swept_at < self.window:
            return
        self._swept_at = now
        for key in [key for key, failures in self._failures.items() if failures[-1] <= now - self.window]:
            del self._failures[key]
