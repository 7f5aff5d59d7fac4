"""Logged decisions as arrays: what was offered, what was shown with what probability, what it earned."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_FEATURES = 256  # the reward model's vocabulary: the most frequent features are enough to separate contexts


@dataclass(frozen=True, slots=True)
class LoggedExample:
    """One decision after its reward window closed, as the log tells it."""

    features: tuple[str, ...]
    candidates: tuple[str, ...]
    chosen: str
    propensity: float  # probability the logging policy gave `chosen` at that moment
    reward: float


@dataclass(frozen=True, slots=True, eq=False)
class LoggedDecisions:
    """n logged decisions over K actions, in the arrays the estimators work on.

    `available[i, k]` says whether action k was a candidate for decision i (rules and
    rated-down variants narrow the candidates); `features` is a numeric matrix for the
    reward model of the doubly robust estimator.

    >>> data = LoggedDecisions.from_examples([
    ...     LoggedExample(("bias", "device=mobile"), ("a", "b"), "a", 0.5, 1.0),
    ...     LoggedExample(("bias",), ("b", "c"), "c", 0.25, 0.0),
    ... ])
    >>> data.actions, data.chosen.tolist(), data.available.astype(int).tolist()
    (('a', 'b', 'c'), [0, 2], [[1, 1, 0], [0, 1, 1]])
    >>> data.features.tolist()
    [[1.0, 1.0], [1.0, 0.0]]
    """

    actions: tuple[str, ...]
    available: np.ndarray  # (n, K) bool
    chosen: np.ndarray  # (n,) index into actions
    propensity: np.ndarray  # (n,)
    reward: np.ndarray  # (n,)
    features: np.ndarray  # (n, d)

    def __post_init__(self) -> None:
        n, k = self.available.shape
        if k != len(self.actions):
            raise ValueError(f"available has {k} columns for {len(self.actions)} actions")
        for name in ("chosen", "propensity", "reward"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have shape ({n},), not {getattr(self, name).shape}")
        if self.features.shape[0] != n:
            raise ValueError(f"features has {self.features.shape[0]} rows for {n} decisions")
        if n and not self.available[np.arange(n), self.chosen].all():
            raise ValueError("a chosen action was not among its decision's candidates")
        if n and ((self.propensity <= 0) | (self.propensity > 1 + 1e-9)).any():
            raise ValueError("propensities must be in (0, 1]")

    @property
    def size(self) -> int:
        return len(self.chosen)

    @classmethod
    def from_examples(
        cls,
        examples: Sequence[LoggedExample],
        *,
        actions: Sequence[str] | None = None,
        max_features: int = MAX_FEATURES,
    ) -> LoggedDecisions:
        """Arrays from examples; actions default to every candidate seen, in order of first appearance."""
        names = list(actions) if actions is not None else []
        if actions is None:
            for example in examples:
                names.extend(c for c in (*example.candidates, example.chosen) if c not in names)
        index = {name: k for k, name in enumerate(names)}
        unknown = {c for e in examples for c in (*e.candidates, e.chosen)} - index.keys()
        if unknown:
            raise ValueError(f"candidates not among the actions: {sorted(unknown)}")
        available = np.zeros((len(examples), len(names)), dtype=bool)
        for i, example in enumerate(examples):
            available[i, [index[c] for c in example.candidates]] = True
        # dict.fromkeys, not set: ordered, so ties for the last vocabulary places break the same way every run
        counts = Counter(f for e in examples for f in dict.fromkeys(e.features))
        vocabulary = {f: j for j, (f, _) in enumerate(counts.most_common(max_features))}
        features = np.zeros((len(examples), len(vocabulary)))
        for i, example in enumerate(examples):
            features[i, [vocabulary[f] for f in example.features if f in vocabulary]] = 1.0
        return cls(
            actions=tuple(names),
            available=available,
            chosen=np.array([index[e.chosen] for e in examples], dtype=np.intp),
            propensity=np.array([e.propensity for e in examples], dtype=float),
            reward=np.array([e.reward for e in examples], dtype=float),
            features=features,
        )
