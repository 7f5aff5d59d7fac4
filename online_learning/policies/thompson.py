"""Beta-Bernoulli Thompson sampling: learns which variant wins overall, ignoring context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from river import proba

from online_learning.exploration import probability_of_best


class BetaThompson:
    """Keep a Beta posterior of each variant's success rate; show each as often as it is likely best.

    A reward above zero counts as a success. The distribution is the share of `draws`
    posterior samples in which a variant wins, so the logged propensity is exact.

    >>> policy = BetaThompson(seed=1)
    >>> for _ in range(200):
    ...     policy.update("a", ["bias"], 1.0)
    ...     policy.update("b", ["bias"], 0.0)
    >>> policy.probabilities(["a", "b"], ["bias"]).tolist()
    [1.0, 0.0]
    """

    kind = "thompson"

    def __init__(self, *, draws: int = 512, seed: int = 0) -> None:
        self.draws = draws
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._posteriors: dict[str, proba.Beta] = {}

    def _posterior(self, variant: str) -> proba.Beta:
        if variant not in self._posteriors:
            self._posteriors[variant] = proba.Beta(alpha=1, beta=1, seed=self.seed)
        return self._posteriors[variant]

    def probabilities(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray:
        alphas = [self._posteriors[v].alpha if v in self._posteriors else 1 for v in variants]
        betas = [self._posteriors[v].beta if v in self._posteriors else 1 for v in variants]
        samples = self._rng.beta(alphas, betas, size=(self.draws, len(variants)))
        return probability_of_best(samples)

    def update(self, variant: str, features: Sequence[str], reward: float) -> None:
        self._posterior(variant).update(reward > 0)

    def refresh(self) -> None:
        return None  # probabilities read the posteriors directly

    def contributions(self, variant: str, features: Sequence[str]) -> list[tuple[str, float]]:
        posterior = self._posteriors.get(variant)
        if posterior is None:
            return []
        return [("bias", posterior.alpha / (posterior.alpha + posterior.beta))]

    def state(self) -> dict[str, Any]:
        return {v: [p.alpha, p.beta] for v, p in self._posteriors.items()}

    def load_state(self, state: dict[str, Any]) -> None:
        for variant, (alpha, beta) in state.items():
            posterior = self._posterior(variant)
            posterior.alpha, posterior.beta = alpha, beta
