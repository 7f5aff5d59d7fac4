"""Uniform: every candidate equally likely; the baseline every other policy is measured against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from online_learning.policies.base import Stateless


class Uniform(Stateless):
    """Show each candidate with the same probability.

    >>> Uniform().probabilities(["a", "b", "c", "d"], ["bias"]).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """

    kind = "uniform"

    def probabilities(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray:
        return np.full(len(variants), 1.0 / len(variants))
