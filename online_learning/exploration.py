"""Exploration floor and the draw: every variant keeps a chance, and the chance is logged exactly."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def with_floor(probabilities: Sequence[float], floor: float) -> list[float]:
    """Mix a policy's distribution with uniform so each of K variants has at least floor/K.

    A handful of variants: plain floats beat numpy calls on the decide path.

    >>> [round(p, 3) for p in with_floor([1.0, 0.0, 0.0], 0.3)]
    [0.8, 0.1, 0.1]
    """
    share = floor / len(probabilities)
    mixed = [(1.0 - floor) * p + share for p in probabilities]
    total = sum(mixed)
    return [p / total for p in mixed]


def best(probabilities: Sequence[float]) -> int:
    """The index of the most likely variant (the first, on a tie).

    >>> best([0.2, 0.5, 0.3])
    1
    """
    return max(range(len(probabilities)), key=probabilities.__getitem__)


def draw(probabilities: Sequence[float], rng: np.random.Generator) -> int:
    """Pick an index with the given probabilities; the caller logs probabilities[index] as propensity.

    >>> draw(np.array([0.0, 1.0, 0.0]), np.random.default_rng(7))
    1
    """
    threshold = rng.random() * sum(probabilities)
    total = 0.0
    for index, value in enumerate(probabilities):
        total += value
        if threshold < total:
            return index
    return len(probabilities) - 1


def probability_of_best(samples: np.ndarray) -> np.ndarray:
    """Share of rows (posterior draws) in which each column is the largest: Thompson's distribution.

    >>> probability_of_best(np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [3.0, 0.0]])).tolist()
    [0.75, 0.25]
    """
    winners = np.argmax(samples, axis=1)
    return np.bincount(winners, minlength=samples.shape[1]) / samples.shape[0]
