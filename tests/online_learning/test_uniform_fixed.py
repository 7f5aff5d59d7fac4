"""Uniform and FixedSplit: the traffic each variant gets matches the configured shares."""

from __future__ import annotations

import numpy as np
import pytest

from online_learning.exploration import draw
from online_learning.policies import FixedSplit, Uniform

DRAWS = 20_000


def frequencies(probabilities: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = np.bincount([draw(probabilities, rng) for _ in range(DRAWS)], minlength=len(probabilities))
    return counts / DRAWS


def within_five_sigma(observed: np.ndarray, expected: np.ndarray) -> None:
    # Tolerance: 5 binomial standard deviations per variant (about 0.015 at p = 0.25, n = 20000).
    sigma = np.sqrt(expected * (1 - expected) / DRAWS)
    assert np.all(np.abs(observed - expected) <= 5 * sigma + 1e-12), (observed, expected)


def test_uniform_shows_every_candidate_equally_often():
    probabilities = Uniform().probabilities(["a", "b", "c", "d"], ["bias"])
    assert probabilities.tolist() == [0.25] * 4
    within_five_sigma(frequencies(probabilities, seed=11), np.full(4, 0.25))


def test_uniform_covers_whatever_candidates_are_left():
    assert Uniform().probabilities(["only"], ["bias"]).tolist() == [1.0]
    assert Uniform().probabilities(["a", "b", "c"], []).sum() == pytest.approx(1.0)


def test_fixed_split_sends_traffic_in_the_configured_shares():
    probabilities = FixedSplit(split={"a": 1, "b": 1, "c": 2}).probabilities(["a", "b", "c"], ["bias"])
    assert probabilities.tolist() == [0.25, 0.25, 0.5]
    within_five_sigma(frequencies(probabilities, seed=12), np.array([0.25, 0.25, 0.5]))


def test_fixed_split_renormalises_over_the_candidates_left_after_rules():
    policy = FixedSplit(split={"a": 3, "b": 1, "c": 4})
    probabilities = policy.probabilities(["a", "b"], ["bias"])  # a rule excluded "c"
    assert probabilities.tolist() == [0.75, 0.25]
    within_five_sigma(frequencies(probabilities, seed=13), np.array([0.75, 0.25]))


def test_fixed_split_never_shows_a_variant_without_a_share():
    probabilities = FixedSplit(split={"a": 1, "b": 0}).probabilities(["a", "b", "c"], ["bias"])
    assert probabilities.tolist() == [1.0, 0.0, 0.0]
    assert frequencies(probabilities, seed=14).tolist() == [1.0, 0.0, 0.0]


def test_fixed_split_falls_back_to_even_shares_when_no_candidate_has_one():
    probabilities = FixedSplit(split={"a": 1}).probabilities(["b", "c"], ["bias"])
    assert probabilities.tolist() == [0.5, 0.5]
