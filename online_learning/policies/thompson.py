"""Beta-Bernoulli Thompson sampling: learns which variant wins overall, ignoring context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from river import proba

from online_learning.exploration import probability_of_best
from online_learning.policies.cache import DistributionCache


class BetaThompson:
    """Keep a Beta posterior of each variant's success rate; show each as often as it is likely best.

    A reward above zero counts as a success. The distribution is the share of `draws`
    posterior samples in which a variant wins, so the logged propensity is exact. Updates
    become visible to `probabilities` at the next `refresh`, which the learner calls.

    >>> policy = BetaThompson(seed=1)
    >>> for _ in range(200):
    ...     policy.update("a", ["bias"], 1.0)
    ...     policy.update("b", ["bias"], 0.0)
    >>> policy.refresh()
    >>> policy.probabilities(["a", "b"], ["bias"]).tolist()
    [1.0, 0.0]
    """

    kind = "thompson"

    def __init__(self, *, draws: int = 512, seed: int = 0) -> None:
        self.draws = draws
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._posteriors: dict[str, proba.Beta] = {}
        self._published: dict[str, tuple[float, float]] = {}
        self._cache = DistributionCache()

    def _posterior(self, variant: str) -> proba.Beta:
        if variant not in self._posteriors:
            self._posteriors[variant] = proba.Beta(alpha=1, beta=1, seed=self.seed)
        return self._posteriors[variant]

    def probabilities(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray:
        return self._cache.get_or_compute(tuple(variants), lambda: self._draw(variants))

    def _draw(self, variants: Sequence[str]) -> np.ndarray:
        published = self._published
        alphas = [published.get(v, (1, 1))[0] for v in variants]
        betas = [published.get(v, (1, 1))[1] for v in variants]
        samples = self._rng.beta(alphas, betas, size=(self.draws, len(variants)))
        return probability_of_best(samples)

    def expected_rewards(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray:
        """The posterior mean success rate of each variant, as last published (greedy choice, evaluation).

        >>> policy = BetaThompson()
        >>> policy.update("a", ["bias"], 1.0)
        >>> policy.refresh()
        >>> policy.expected_rewards(["a", "b"], ["bias"]).round(3).tolist()  # Beta(2, 1) and the Beta(1, 1) prior
        [0.667, 0.5]
        """
        published = self._published
        return np.array([alpha / (alpha + beta) for alpha, beta in (published.get(v, (1, 1)) for v in variants)])

    def update(self, variant: str, features: Sequence[str], reward: float) -> None:
        self._posterior(variant).update(reward > 0)

    def refresh(self) -> None:
        self._published = {v: (p.alpha, p.beta) for v, p in self._posteriors.items()}
        self._cache = DistributionCache()

    def contributions(self, variant: str, features: Sequence[str]) -> list[tuple[str, float]]:
        alpha, beta = self._published.get(variant, (1, 1))
        return [("bias", alpha / (alpha + beta))]

    def state(self) -> dict[str, Any]:
        return {v: [p.alpha, p.beta] for v, p in self._posteriors.items()}

    def load_state(self, state: dict[str, Any]) -> None:
        for variant, (alpha, beta) in state.items():
            posterior = self._posterior(variant)
            posterior.alpha, posterior.beta = alpha, beta
        self.refresh()
