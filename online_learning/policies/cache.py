"""A bounded memo of distributions between refreshes: the same inputs give the same, exact, distribution."""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np

MAX_ENTRIES = 20_000


class DistributionCache:
    """Between two refreshes a policy's distribution for given inputs is fixed, so compute it once.

    >>> cache = DistributionCache()
    >>> calls = []
    >>> compute = lambda: calls.append(1) or np.array([0.5, 0.5])
    >>> cache.get_or_compute(("a", "b"), compute).tolist(), cache.get_or_compute(("a", "b"), compute).tolist()
    ([0.5, 0.5], [0.5, 0.5])
    >>> len(calls)
    1
    """

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: dict[Hashable, np.ndarray] = {}

    def get_or_compute(self, key: Hashable, compute: Callable[[], np.ndarray]) -> np.ndarray:
        found = self._entries.get(key)
        if found is None:
            if len(self._entries) >= self.max_entries:
                self._entries = {}  # many distinct contexts: start over rather than grow without bound
            found = self._entries[key] = compute()
        return found
