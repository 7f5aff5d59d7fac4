"""The learners the benchmark compares on the same visitors: Attune in-process, Vowpal Wabbit, River.

Each takes a visitor's features and the candidate variants, returns the index it shows,
and later learns that choice's reward. Peers are benchmark-only dependencies (the `bench`
extra); they are imported here, never by Attune.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from online_learning.exploration import draw, with_floor
from online_learning.policies import LinearThompson

ATTUNE_FLOOR = 0.02  # a block's default exploration floor
ATTUNE_REFRESH = 0.2  # seconds: the server's learner publishes the policy this often


class AttunePolicy:
    """Attune's default contextual policy as the server runs it: floor, exact draw, periodic refresh.

    In-process, for tuning (`tests/bench/tune.py`); the benchmark itself drives the real server over HTTP.
    """

    name = "attune contextual"
    refresh_interval = ATTUNE_REFRESH

    def __init__(self, seed: int, **settings) -> None:
        self.policy = LinearThompson(seed=seed, **settings)
        self._rng = np.random.default_rng(seed)

    def choose(self, variants: Sequence[str], features: Sequence[str]) -> tuple[int, float]:
        probabilities = with_floor(self.policy.probabilities(variants, features), ATTUNE_FLOOR)
        index = draw(probabilities, self._rng)
        return index, float(probabilities[index])

    def learn(self, variants: Sequence[str], features: Sequence[str], index: int, propensity: float,
              reward: float) -> None:
        self.policy.update(variants[index], features, reward)

    def refresh(self) -> None:
        self.policy.refresh()


class VowpalWabbit:
    """VW's contextual bandit with action-dependent features: context in `U`, the variant in `A`, `-q UA`."""

    refresh_interval = None  # learns in place: every update is visible to the next decision

    def __init__(self, exploration: str, seed: int) -> None:
        import vowpalwabbit

        self.name = f"vw {exploration}"
        self.args = f"--cb_explore_adf {exploration} -q UA --quiet --random_seed {seed}"
        self._vw = vowpalwabbit.Workspace(self.args)
        self._rng = np.random.default_rng(seed)

    @staticmethod
    def _lines(variants: Sequence[str], features: Sequence[str]) -> list[str]:
        shared = "shared |U " + " ".join(_token(f) for f in features)
        return [shared, *(f"|A variant={v}" for v in variants)]

    def choose(self, variants: Sequence[str], features: Sequence[str]) -> tuple[int, float]:
        probabilities = np.asarray(self._vw.predict(self._lines(variants, features)), dtype=float)
        probabilities /= probabilities.sum()
        index = draw(probabilities, self._rng)
        return index, float(probabilities[index])

    def learn(self, variants: Sequence[str], features: Sequence[str], index: int, propensity: float,
              reward: float) -> None:
        lines = self._lines(variants, features)
        lines[index + 1] = f"0:{-reward}:{propensity} {lines[index + 1]}"  # VW minimises cost
        self._vw.learn(lines)

    def refresh(self) -> None:
        return None

    def close(self) -> None:
        self._vw.finish()


class RiverThompson:
    """River's non-contextual Thompson sampling with Beta posteriors; a reward above zero is a success."""

    name = "river thompson"
    refresh_interval = None

    def __init__(self, seed: int) -> None:
        from river import bandit, proba

        self._policy = bandit.ThompsonSampling(reward_obj=proba.Beta(), seed=seed)

    def choose(self, variants: Sequence[str], features: Sequence[str]) -> tuple[int, float]:
        return list(variants).index(self._policy.pull(list(variants))), float("nan")

    def learn(self, variants: Sequence[str], features: Sequence[str], index: int, propensity: float,
              reward: float) -> None:
        self._policy.update(variants[index], reward > 0)

    def refresh(self) -> None:
        return None


def _token(feature: str) -> str:
    """VW reads ' ', '|' and ':' as syntax; Attune's feature names may hold them."""
    return feature.replace(" ", "_").replace("|", "/").replace(":", ";")


def peers(seed: int) -> list:
    return [VowpalWabbit("--squarecb", seed), VowpalWabbit("--epsilon 0.05", seed), RiverThompson(seed)]
