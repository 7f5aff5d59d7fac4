"""The exploration floor and the draw: every variant keeps a chance, and the chance logged is the one used."""

from __future__ import annotations

import numpy as np
import pytest

from online_learning.exploration import draw, probability_of_best, with_floor


@pytest.mark.parametrize("floor", [0.0, 0.02, 0.1, 0.5, 1.0])
def test_with_floor_keeps_every_variant_at_floor_over_k(floor):
    rng = np.random.default_rng(3)
    for k in (2, 3, 5, 12):
        for probabilities in [np.eye(k)[0], np.full(k, 1 / k), *rng.dirichlet(np.full(k, 0.2), size=50)]:
            mixed = np.array(with_floor(probabilities, floor))
            assert mixed.min() >= floor / k - 1e-12
            assert mixed.sum() == pytest.approx(1.0, abs=1e-12)
            # the floor only mixes in uniform: the policy's ranking of variants is kept
            assert np.all(np.diff(mixed[np.argsort(probabilities, kind="stable")]) >= -1e-12)


def test_with_floor_of_zero_changes_nothing_and_of_one_is_uniform():
    probabilities = np.array([0.7, 0.2, 0.1, 0.0])
    np.testing.assert_allclose(with_floor(probabilities, 0.0), probabilities)
    np.testing.assert_allclose(with_floor(probabilities, 1.0), np.full(4, 0.25))


def test_draw_picks_each_index_as_often_as_its_probability():
    probabilities = np.array([0.5, 0.3, 0.15, 0.04, 0.01])
    rng = np.random.default_rng(21)
    n = 20_000
    counts = np.bincount([draw(probabilities, rng) for _ in range(n)], minlength=5)
    expected = probabilities * n
    chi_square = float(((counts - expected) ** 2 / expected).sum())
    # Tolerance: 4 degrees of freedom; 18.5 is the 0.999 quantile, so a correct draw fails 1 time in 1000
    # (never, with this seed), while an off-by-one in the cumulative search moves thousands of draws.
    assert chi_square < 18.5, (counts, expected)


def test_draw_never_picks_an_index_of_probability_zero():
    rng = np.random.default_rng(22)
    for probabilities in ([0.0, 1.0, 0.0], [0.0, 0.5, 0.0, 0.5, 0.0], [1.0, 0.0]):
        picks = {draw(np.array(probabilities), rng) for _ in range(2000)}
        assert picks == {i for i, p in enumerate(probabilities) if p > 0}


def test_probability_of_best_is_the_share_of_draws_each_column_wins():
    samples = np.random.default_rng(23).normal([0.0, 0.5, 1.0], 1.0, size=(4000, 3))
    shares = probability_of_best(samples)
    assert shares.sum() == pytest.approx(1.0)
    assert shares.tolist() == (np.bincount(samples.argmax(axis=1), minlength=3) / 4000).tolist()
    assert shares[0] < shares[1] < shares[2]
