"""Exploration floor and the draw: every variant keeps a chance, and the chance is logged exactly."""

from __future__ import annotations

import numpy as np


def with_floor(probabilities: np.ndarray, floor: float) -> np.ndarray:
    """Mix a policy's distribution with uniform so each of K variants has at least floor/K.

    >>> with_floor(np.array([1.0, 0.0, 0.0]), 0.3).round(3).tolist()
    [0.8, 0.1, 0.1]
    """
    k = len(probabilities)
    mixed = (1.0 - floor) * probabilities + floor / k
    return mixed / mixed.sum()


def draw(probabilities: np.ndarray, rng: np.random.Generator) -> int:
    """Pick an index with the given probabilities; the caller logs probabilities[index] as propensity.

    >>> draw(np.array([0.0, 1.0, 0.0]), np.random.default_rng(7))
    1
    """
    values = probabilities.tolist()  # a handful of variants: plain floats beat numpy calls here
    threshold = rng.random() * sum(values)
    total = 0.0
    for index, value in enumerate(values):
        total += value
        if threshold < total:
            return index
    return len(values) - 1


def probability_of_best(samples: np.ndarray) -> np.ndarray:
    """Share of rows (posterior draws) in which each column is the largest: Thompson's distribution.

    >>> probability_of_best(np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [3.0, 0.0]])).tolist()
    [0.75, 0.25]
    """
    winners = np.argmax(samples, axis=1)
    return np.bincount(winners, minlength=samples.shape[1]) / samples.shape[0]
