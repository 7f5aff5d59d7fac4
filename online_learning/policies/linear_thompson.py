"""Linear Thompson sampling: a ridge regression of reward on context features per variant.

Learning adds to sufficient statistics (precision matrix and reward vector), which is
cheap and order-independent, so a replay of the log rebuilds the same policy. `refresh`
inverts the precision matrices off the request path and publishes means and covariances
that `probabilities` reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from online_learning.exploration import probability_of_best
from online_learning.policies.cache import DistributionCache

_PRIOR_NOISE = 0.25  # a pseudo-observation of reward variance so early exploration is not zero


@dataclass(frozen=True, slots=True)
class _Published:
    variants: dict[str, int]
    means: np.ndarray  # (arms, features) ridge estimates
    covariances: np.ndarray  # (arms, features, features) inverse precisions
    noise: float  # residual standard deviation of reward


class _ArmStats:
    __slots__ = ("precision", "targets", "count", "squared_rewards")

    def __init__(self, capacity: int, prior: float) -> None:
        self.precision = np.eye(capacity) * prior
        self.targets = np.zeros(capacity)
        self.count = 0
        self.squared_rewards = 0.0

    def grow(self, capacity: int, prior: float) -> None:
        old = self.precision.shape[0]
        precision = np.eye(capacity) * prior
        precision[:old, :old] = self.precision
        targets = np.zeros(capacity)
        targets[:old] = self.targets
        self.precision, self.targets = precision, targets


class LinearThompson:
    """Contextual policy: generalises across contexts through shared features and their pairs.

    Each variant's reward is modelled as a linear function of binary context features.
    A decision samples each variant's expected reward from its posterior `draws` times and
    returns the share of draws each variant wins: Thompson sampling with an exact,
    logged distribution.

    >>> policy = LinearThompson(seed=3)
    >>> mobile, desktop = ["bias", "device=mobile"], ["bias", "device=desktop"]
    >>> for _ in range(300):
    ...     policy.update("compact", mobile, 1.0)
    ...     policy.update("wide", mobile, 0.0)
    ...     policy.update("compact", desktop, 0.0)
    ...     policy.update("wide", desktop, 1.0)
    >>> policy.refresh()
    >>> policy.probabilities(["compact", "wide"], mobile).tolist()
    [1.0, 0.0]
    >>> policy.probabilities(["compact", "wide"], desktop).tolist()
    [0.0, 1.0]
    """

    kind = "contextual"

    def __init__(
        self,
        *,
        prior: float = 1.0,
        exploration_scale: float = 0.5,  # Chapelle & Li (2011): a narrower posterior explores enough and earns more
        max_features: int = 512,
        draws: int = 256,
        seed: int = 0,
    ) -> None:
        self.prior = prior
        self.exploration_scale = exploration_scale
        self.max_features = max_features
        self.draws = draws
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._vocabulary: dict[str, int] = {}
        self._capacity = 16
        self._arms: dict[str, _ArmStats] = {}
        self._published = _Published({}, np.zeros((0, 0)), np.zeros((0, 0, 0)), np.sqrt(_PRIOR_NOISE))
        self._cache = DistributionCache()

    # learning side (the learner thread)

    def _indices(self, features: Sequence[str]) -> np.ndarray:
        indices = []
        for feature in features:
            index = self._vocabulary.get(feature)
            if index is None and len(self._vocabulary) < self.max_features:
                index = self._vocabulary[feature] = len(self._vocabulary)
            if index is not None:
                indices.append(index)
        if len(self._vocabulary) > self._capacity:
            self._capacity = min(max(self._capacity * 2, len(self._vocabulary)), self.max_features)
            for arm in self._arms.values():
                arm.grow(self._capacity, self.prior)
        return np.array(indices, dtype=np.intp)

    def update(self, variant: str, features: Sequence[str], reward: float) -> None:
        indices = self._indices(features)
        arm = self._arms.get(variant)
        if arm is None:
            arm = self._arms[variant] = _ArmStats(self._capacity, self.prior)
        arm.precision[np.ix_(indices, indices)] += 1.0
        arm.targets[indices] += reward
        arm.count += 1
        arm.squared_rewards += reward * reward

    def refresh(self) -> None:
        if not self._arms:
            return
        size = len(self._vocabulary)
        names = list(self._arms)
        precisions = np.stack([self._arms[v].precision[:size, :size] for v in names])
        targets = np.stack([self._arms[v].targets[:size] for v in names])
        covariances = np.linalg.inv(precisions)
        means = np.einsum("aij,aj->ai", covariances, targets)
        # residual sum of squares of a ridge fit, from sufficient statistics alone
        explained = np.einsum("ai,ai->a", means, targets) + self.prior * np.einsum("ai,ai->a", means, means)
        squared = sum(self._arms[v].squared_rewards for v in names)
        count = sum(self._arms[v].count for v in names)
        residual = max(float(squared - explained.sum()), 0.0)
        noise = float(np.sqrt((residual + _PRIOR_NOISE) / (count + 1)))
        self._published = _Published({v: i for i, v in enumerate(names)}, means, covariances, noise)
        self._cache = DistributionCache()

    # decision side (the request path): reads only the published snapshot

    def _posterior(self, variants: Sequence[str], features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        published = self._published
        size = published.means.shape[1]
        idx = np.array([i for f in features if (i := self._vocabulary.get(f)) is not None and i < size], dtype=np.intp)
        unknown = (len(features) - len(idx)) / self.prior  # prior variance of features not learned yet
        means = np.zeros(len(variants))
        variances = np.full(len(variants), len(features) / self.prior)
        arms = [published.variants.get(v) for v in variants]
        known = [position for position, arm in enumerate(arms) if arm is not None]
        if known:
            rows = np.array([arms[position] for position in known], dtype=np.intp)
            means[known] = published.means[rows][:, idx].sum(axis=1)
            variances[known] = published.covariances[rows][:, idx][:, :, idx].sum(axis=(1, 2)) + unknown
        return means, variances

    def probabilities(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray:
        return self._cache.get_or_compute((tuple(variants), tuple(features)), lambda: self._draw(variants, features))

    def _draw(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray:
        means, variances = self._posterior(variants, features)
        spread = self.exploration_scale * self._published.noise * np.sqrt(np.maximum(variances, 0.0))
        samples = means + spread * self._rng.standard_normal((self.draws, len(variants)))
        return probability_of_best(samples)

    def expected_rewards(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray:
        """The posterior mean reward of each variant for these features (greedy choice, evaluation)."""
        return self._posterior(variants, features)[0]

    def contributions(self, variant: str, features: Sequence[str]) -> list[tuple[str, float]]:
        """How much each feature raises this variant's expected reward above the other variants'."""
        published = self._published
        arm = published.variants.get(variant)
        if arm is None:
            return []
        others = [i for v, i in published.variants.items() if v != variant]
        result = []
        for feature in features:
            index = self._vocabulary.get(feature)
            if index is None or index >= published.means.shape[1]:
                continue
            baseline = published.means[others, index].mean() if others else 0.0
            result.append((feature, float(published.means[arm, index] - baseline)))
        return sorted(result, key=lambda item: item[1], reverse=True)

    # snapshots

    def state(self) -> dict[str, Any]:
        size = len(self._vocabulary)
        return {
            "vocabulary": list(self._vocabulary),
            "arms": {
                v: {
                    "precision": a.precision[:size, :size].tolist(),
                    "targets": a.targets[:size].tolist(),
                    "count": a.count,
                    "squared_rewards": a.squared_rewards,
                }
                for v, a in self._arms.items()
            },
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self._vocabulary = {f: i for i, f in enumerate(state["vocabulary"])}
        size = len(self._vocabulary)
        self._capacity = max(16, size)
        self._arms = {}
        for variant, saved in state["arms"].items():
            arm = _ArmStats(self._capacity, self.prior)
            arm.precision[:size, :size] = np.array(saved["precision"]).reshape(size, size)
            arm.targets[:size] = saved["targets"]
            arm.count = saved["count"]
            arm.squared_rewards = saved["squared_rewards"]
            self._arms[variant] = arm
        self.refresh()
