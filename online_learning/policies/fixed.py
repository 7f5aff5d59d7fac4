"""Fixed split: an A/B test's traffic shares, renormalised over the candidates left after rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from online_learning.policies.base import Stateless
from online_learning.policies.cache import DistributionCache


class FixedSplit(Stateless):
    """Show each variant with a fixed share of traffic.

    >>> policy = FixedSplit(split={"a": 3, "b": 1})
    >>> policy.probabilities(["a", "b"], ["bias"]).tolist()
    [0.75, 0.25]
    >>> policy.probabilities(["b", "c"], ["bias"]).tolist()  # "c" has no share; "b" is all that is left
    [1.0, 0.0]
    """

    kind = "fixed"

    def __init__(self, split: Mapping[str, float]) -> None:
        self.split = dict(split)
        self._cache = DistributionCache(max_entries=1024)  # the split never changes: once per set of candidates

    def probabilities(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray:
        return self._cache.get_or_compute(tuple(variants), lambda: self._shares(variants))

    def _shares(self, variants: Sequence[str]) -> np.ndarray:
        shares = np.array([max(self.split.get(v, 0.0), 0.0) for v in variants], dtype=float)
        total = shares.sum()
        if total <= 0:
            return np.full(len(variants), 1.0 / len(variants))
        return shares / total
