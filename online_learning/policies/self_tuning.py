"""Prior strength and posterior scale chosen online from a few candidates, scored prequentially.

No single tuned number should decide how the contextual policy does on a world it has not seen.
Every `batch` updates (a point fixed by the update count, so a replay or a snapshot lands on the
same points), each candidate pair prior is fitted on the lasting evidence as it stood *before* the
batch (the evidence less the batch's own updates), and every candidate (pair prior, posterior scale)
is scored on the batch's rewards by its Gaussian predictive log-likelihood: the mean from the
candidate's ridge fit, the variance noise² · (1 + scale² · x'Σx), the spread a Thompson draw with that
scale assumes (x'Σx from the fit of the pair prior in use). Scores fade over about `judged_over`
updates, as the forgetting fit's errors do. The published fit uses the best-scoring candidate: a
function of the learned state only, so propensities stay exact and replays identical.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from online_learning.policies.evidence import Evidence

PRIOR_NOISE = 0.25  # a pseudo-observation of reward variance so early exploration is not zero


class SelfTuning:
    """Faded predictive log-likelihood of each (pair prior, posterior scale) on the rewards as they came.

    >>> tuning = SelfTuning(pair_priors=(30.0,), scales=(0.3,), default=(30.0, 0.3))
    >>> tuning.chosen
    (30.0, 0.3)
    """

    def __init__(self, *, pair_priors: tuple[float, ...], scales: tuple[float, ...], default: tuple[float, float],
                 judged_over: float = 2000.0, batch: int = 500) -> None:
        self.pair_priors = tuple(pair_priors)
        self.scales = tuple(scales)
        self.default = default
        self.judged_over = judged_over
        self.batch = batch
        self.scores = np.zeros((len(self.pair_priors), len(self.scales)))
        self._pending: list[tuple[str, np.ndarray, float]] = []  # the updates since the last scoring point

    @property
    def chosen(self) -> tuple[float, float]:
        """The best-scoring candidate; the default while nothing tells them apart (a fresh or an old snapshot)."""
        if not self.scores.any():
            return self.default
        p, s = np.unravel_index(int(np.argmax(self.scores)), self.scores.shape)
        return self.pair_priors[p], self.scales[s]

    def remember(self, variant: str, indices: np.ndarray, reward: float) -> None:
        self._pending.append((variant, indices, reward))

    def forget_pending(self) -> None:
        """The evidence was replaced or re-indexed (a restart, retired features): these cannot be scored."""
        self._pending = []

    def score(self, evidence: Evidence, size: int, is_pair: np.ndarray, prior: float) -> None:
        """Fit each candidate on the lasting evidence before the pending updates, score those, start anew."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        names = list(evidence.arms)
        arms = np.array([names.index(variant) for variant, _, _ in pending])
        rewards = np.array([reward for _, _, reward in pending])
        order, rows, blocks = _blocks(pending, arms, size)
        feature = np.concatenate([pending[n][1] for n in order])
        cells = np.concatenate([block.ravel() for block in blocks])
        precisions, targets, squared, count = _before(evidence, names, size, cells, arms[rows] * size + feature,
                                                      rewards, rows)
        diagonal = np.arange(size)
        systems = []
        for pair_prior in self.pair_priors:
            priors = np.where(is_pair[:size], pair_prior, prior)
            system = precisions.copy()
            system[:, diagonal, diagonal] += priors
            systems.append((system, priors))
        # x'Σx from the pair prior in use alone: one inverse per scoring, where one per candidate costs thrice
        covariances = np.linalg.inv(systems[self.pair_priors.index(self.chosen[0])][0]).ravel()
        spread = np.empty(len(pending))
        for members, cells in zip(_order_groups(order, blocks), blocks):
            spread[members] = np.maximum(covariances[cells].sum(axis=1), 0.0)  # a variance, whatever the rounding
        keep = 1.0 - 1.0 / self.judged_over
        fade = keep ** np.arange(len(pending) - 1, -1, -1)  # the newest reward weighs most, as one by one
        scales = np.array(self.scales) ** 2
        for p, (system, priors) in enumerate(systems):
            means = np.linalg.solve(system, targets[:, :, None])[:, :, 0]
            explained = np.einsum("ai,ai->", means, targets) + np.einsum("ai,i,ai->", means, priors, means)
            noise = (max(squared - explained, 0.0) + PRIOR_NOISE) / (count + 1)
            predicted = np.bincount(rows, means[arms[rows], feature], minlength=len(pending))
            variance = noise * (1.0 + np.outer(spread, scales))  # (pending, scales)
            loglik = -0.5 * (np.log(2 * np.pi * variance) + (rewards - predicted)[:, None] ** 2 / variance)
            self.scores[p] = keep ** len(pending) * self.scores[p] + fade @ loglik

    def state(self) -> dict[str, Any]:
        return {"scores": self.scores.tolist(),
                "pending": [[v, indices.tolist(), reward] for v, indices, reward in self._pending]}

    def load_state(self, saved: dict[str, Any] | None) -> None:
        """A snapshot from before self-tuning (None) starts with even scores: the default candidate."""
        self.scores = np.zeros((len(self.pair_priors), len(self.scales)))
        self._pending = []
        if not saved:
            return
        scores = np.array(saved["scores"], dtype=float)
        if scores.shape == self.scores.shape:  # candidates changed since the snapshot: score them afresh
            self.scores = scores
            self._pending = [(v, np.array(i, dtype=np.intp), float(r)) for v, i, r in saved["pending"]]


def _blocks(pending: list, arms: np.ndarray, size: int) -> tuple[list[int], np.ndarray, list[np.ndarray]]:
    """Pending updates grouped by how many features they have: (their order, the update of each feature in
    that order, per group a (updates, features²) array of the flat cells of each update's block of its arm)."""
    by_length: dict[int, list[int]] = {}
    for n, (_, indices, _) in enumerate(pending):
        by_length.setdefault(len(indices), []).append(n)
    order, blocks = [], []
    for length, members in by_length.items():
        features = np.array([pending[n][1] for n in members], dtype=np.intp).reshape(len(members), length)
        first, second = np.repeat(np.arange(length), length), np.tile(np.arange(length), length)
        blocks.append(arms[members][:, None] * size * size + features[:, first] * size + features[:, second])
        order += members
    rows = np.repeat(np.array(order, dtype=np.intp), [len(pending[n][1]) for n in order])
    return order, rows, blocks


def _order_groups(order: list[int], blocks: list[np.ndarray]) -> list[list[int]]:
    """`order` cut into the groups `blocks` holds, one list of updates per group."""
    cuts = np.cumsum([0] + [len(b) for b in blocks])
    return [order[a:b] for a, b in zip(cuts[:-1], cuts[1:])]


def _before(evidence: Evidence, names: list[str], size: int, block_cells: np.ndarray, target_cells: np.ndarray,
            rewards: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The lasting evidence (one unit of weight per update, never faded) before the pending updates."""
    precisions = np.stack([evidence.arms[v].evidence[:size, :size] for v in names])
    targets = np.stack([evidence.arms[v].targets[:size] for v in names])
    precisions -= np.bincount(block_cells.ravel(), minlength=precisions.size).reshape(precisions.shape)
    targets -= np.bincount(target_cells, rewards[rows], minlength=targets.size).reshape(targets.shape)
    squared = sum(evidence.arms[v].squared_rewards for v in names) - float(rewards @ rewards)
    count = sum(evidence.arms[v].count for v in names) - len(rewards)
    return precisions, targets, squared, count
