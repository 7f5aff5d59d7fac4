"""Fading sufficient statistics of a ridge regression per variant, for LinearThompson.

Every update multiplies what came before by a forgetting factor. Fading is lazy: new
evidence is added with a growing weight, and a fit divides by the newest weight, so an
update touches only the features it has. The statistics are folded back only when the
weight grows huge, at a point fixed by the number of updates: a replay of the same
updates, snapshot or not, holds exactly the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_FOLD_AT = 1e100  # fold the lazy weights back long before floats overflow


class ArmStats:
    __slots__ = ("evidence", "targets", "count", "squared_rewards")

    def __init__(self, capacity: int) -> None:
        self.evidence = np.zeros((capacity, capacity))  # sum of weighted x xᵀ, without the prior
        self.targets = np.zeros(capacity)
        self.count = 0.0  # weighted, so it fades with the evidence
        self.squared_rewards = 0.0

    def grow(self, capacity: int) -> None:
        old = self.evidence.shape[0]
        evidence = np.zeros((capacity, capacity))
        evidence[:old, :old] = self.evidence
        targets = np.zeros(capacity)
        targets[:old] = self.targets
        self.evidence, self.targets = evidence, targets

    def scaled_copy(self, divisor: float) -> ArmStats:
        copy = ArmStats.__new__(ArmStats)  # no zero matrices to throw away
        copy.evidence, copy.targets = self.evidence / divisor, self.targets / divisor
        copy.count, copy.squared_rewards = self.count / divisor, self.squared_rewards / divisor
        return copy

    def shrink(self, divisor: float) -> None:
        self.evidence /= divisor
        self.targets /= divisor
        self.count /= divisor
        self.squared_rewards /= divisor


class Evidence:
    """What the updates taught, each variant apart; evidence older than about `memory` updates fades."""

    def __init__(self, memory: float | None) -> None:
        self.memory = memory
        self.arms: dict[str, ArmStats] = {}
        self._fade = 1.0 if memory is None else 1.0 - 1.0 / memory
        self._weight = 1.0  # the weight of the next update relative to the folded statistics
        self._newest = 1.0  # the weight the newest update was given

    def grow(self, capacity: int) -> None:
        for arm in self.arms.values():
            arm.grow(capacity)

    def add(self, variant: str, indices: np.ndarray, cells: np.ndarray, reward: float, capacity: int) -> None:
        """Add one example; `cells` are the flat positions of its (indices x indices) block at this capacity."""
        arm = self.arms.get(variant)
        if arm is None:
            arm = self.arms[variant] = ArmStats(capacity)
        weight = self._newest = self._weight
        arm.evidence.ravel()[cells] += weight  # flat positions: a sixth of the cost of np.ix_ indexing
        arm.targets[indices] += weight * reward
        arm.count += weight
        arm.squared_rewards += weight * reward * reward
        self._weight = weight / self._fade  # everything before fades by one step relative to what comes next
        if self._weight > _FOLD_AT:
            for arm in self.arms.values():
                arm.shrink(self._newest)
            self._weight /= self._newest
            self._newest = 1.0

    def keep(self, indices: np.ndarray) -> None:
        """Keep only these features' rows and columns, moved to the front (the rest of the matrix is zero)."""
        for arm in self.arms.values():
            capacity, n = arm.targets.shape[0], len(indices)
            evidence, targets = np.zeros((capacity, capacity)), np.zeros(capacity)
            evidence[:n, :n] = arm.evidence[np.ix_(indices, indices)]
            targets[:n] = arm.targets[indices]
            arm.evidence, arm.targets = evidence, targets

    def restart_from(self, other: Evidence) -> None:
        """Hold a copy of another's statistics, faded as they are now (tastes changed: older evidence misleads)."""
        self.arms = {variant: arm.scaled_copy(other._newest) for variant, arm in other.arms.items()}
        self._weight = 1.0 / self._fade
        self._newest = 1.0

    def _system(self, size: int, priors: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
        names = list(self.arms)
        precisions = np.stack([self.arms[v].evidence[:size, :size] for v in names]) / self._newest
        precisions[:, np.arange(size), np.arange(size)] += priors
        return names, precisions, np.stack([self.arms[v].targets[:size] for v in names]) / self._newest

    def means(self, size: int, priors: np.ndarray) -> dict[str, np.ndarray]:
        """The ridge means alone: cheaper than `fit`, enough to score predictions."""
        names, precisions, targets = self._system(size, priors)
        return dict(zip(names, np.linalg.solve(precisions, targets[:, :, None])[:, :, 0]))

    def fit(self, size: int, priors: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray, float, float]:
        """(variants, ridge means, covariances, residual sum of squares, weighted count of updates)."""
        names, precisions, targets = self._system(size, priors)
        covariances = np.linalg.inv(precisions)
        means = np.einsum("aij,aj->ai", covariances, targets)
        # residual sum of squares of a ridge fit, from sufficient statistics alone
        explained = np.einsum("ai,ai->a", means, targets) + np.einsum("ai,i,ai->a", means, priors, means)
        squared = sum(self.arms[v].squared_rewards for v in names) / self._newest
        count = sum(self.arms[v].count for v in names) / self._newest
        return names, means, covariances, max(float(squared - explained.sum()), 0.0), count

    def state(self, size: int) -> dict[str, Any]:
        """Each variant's statistics as stored (the newest update weighing `newest_weight`)."""
        arms = {v: {"evidence": a.evidence[:size, :size].tolist(), "targets": a.targets[:size].tolist(),
                    "count": a.count, "squared_rewards": a.squared_rewards} for v, a in self.arms.items()}
        return {"arms": arms, "newest_weight": self._newest, "next_weight": self._weight}

    def load_state(self, saved: dict[str, Any], size: int, capacity: int, prior: float) -> None:
        arms = saved.get("arms", saved)  # snapshots before forgetting held the arms alone
        self._newest, self._weight = saved.get("newest_weight", 1.0), saved.get("next_weight", 1.0 / self._fade)
        self.arms = {}
        for variant, saved in arms.items():
            arm = ArmStats(capacity)
            if "evidence" in saved:
                arm.evidence[:size, :size] = np.array(saved["evidence"]).reshape(size, size)
            else:  # snapshots written before forgetting stored the precision, prior included
                arm.evidence[:size, :size] = np.array(saved["precision"]).reshape(size, size) - np.eye(size) * prior
            arm.targets[:size] = saved["targets"]
            arm.count = saved["count"]
            arm.squared_rewards = saved["squared_rewards"]
            self.arms[variant] = arm
