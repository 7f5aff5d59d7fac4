"""95% intervals for one look at the results: Wilson for a rate, Newcombe for a difference of rates, a Wilson
bound for a mean on a bounded scale (ratings), and the plain normal intervals the page used to show (kept as the
reference the sequential tests measure against). Anytime-valid intervals are in sequential.py."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

Z95 = 1.959964


class Sums(NamedTuple):
    """One group's per-impression values as sums: floats for one group, numpy arrays for many (simulations)."""

    total: float
    squares: float
    n: int


def wilson(successes: float, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion; None without trials. Never leaves [0, 1], honest at 0/15.

    >>> [round(x, 4) for x in wilson(10, 100)]
    [0.0552, 0.1744]
    >>> [round(x, 4) for x in wilson(0, 15)]
    [0.0, 0.2039]
    """
    if trials <= 0:
        return None
    low, high = wilson_bounds(successes, trials, z)
    return float(low), float(high)


def wilson_bounds(successes, trials, z: float = Z95):
    """`wilson` on numbers or numpy arrays (trials > 0)."""
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * np.sqrt(np.maximum(p * (1 - p), 0) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)


def newcombe(a: tuple[float, int], b: tuple[float, int], z: float = Z95) -> tuple[float, tuple[float, float]] | None:
    """Difference of two rates, a minus b, each (successes, trials), with Newcombe's hybrid score interval (his
    method 10: the two Wilson intervals combined), which keeps its coverage at small n and at 0 successes.

    >>> lift, (low, high) = newcombe((20, 100), (0, 15))
    >>> round(lift, 3), round(low, 3), round(high, 3)
    (0.2, -0.014, 0.289)
    """
    (xa, na), (xb, nb) = a, b
    if na <= 0 or nb <= 0:
        return None
    pa, pb = xa / na, xb / nb
    (la, ua), (lb, ub) = wilson_bounds(xa, na, z), wilson_bounds(xb, nb, z)
    low = pa - pb - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    high = pa - pb + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    return pa - pb, (float(low), float(high))


def bounded_mean(total: float, n: int, scale: tuple[float, float], z: float = Z95
                 ) -> tuple[float, tuple[float, float]] | None:
    """Mean of values on a bounded scale (ratings) with a Wilson interval on the scale mapped to [0, 1].

    Why Wilson: thumbs are two-valued, so this is exactly the interval for the share of thumbs up; for stars,
    no variable on [0, 1] with mean p varies more than a coin with p, so the interval is at least as wide as it
    needs to be. Unlike a normal interval it never leaves the scale, and unlike a bootstrap it holds at n = 3.

    >>> mean, (low, high) = bounded_mean(total=-3.0, n=3, scale=(-1.0, 1.0))
    >>> mean, round(low, 3), round(high, 3)
    (-1.0, -1.0, 0.123)
    """
    if n <= 0:
        return None
    low, high = scale
    share = (total / n - low) / (high - low)
    lo, hi = wilson_bounds(share * n, n, z)
    return total / n, (float(low + lo * (high - low)), float(low + hi * (high - low)))


def mean_interval(total: float, squares: float, n: int, z: float = Z95) -> tuple[float, tuple[float, float] | None]:
    """Mean and its normal-approximation interval from a sum and a sum of squares (needs n >= 2). Unbounded:
    the results page no longer shows it for ratings (it ran to -1.32 on a -1..+1 scale).

    >>> mean, (low, high) = mean_interval(total=30.0, squares=100.0, n=10)
    >>> mean, round(low, 3), round(high, 3)
    (3.0, 2.347, 3.653)
    """
    if n <= 0:
        return math.nan, None
    mean = total / n
    if n < 2:
        return mean, None
    variance = max(squares - n * mean * mean, 0.0) / (n - 1)
    half = z * math.sqrt(variance / n)
    return mean, (mean - half, mean + half)


def difference(a: tuple[float, float, int], b: tuple[float, float, int], z: float = Z95
               ) -> tuple[float, tuple[float, float] | None]:
    """Difference of two means, each given as (sum, sum of squares, n), with a Welch normal interval: the one the
    page's verdict used to read at every look (tests/server/test_results_stats.py measures how often it lies)."""
    (sa, qa, na), (sb, qb, nb) = a, b
    if na < 2 or nb < 2:
        return (sa / na - sb / nb) if na and nb else math.nan, None
    ma, mb = sa / na, sb / nb
    va, vb = max(qa - na * ma * ma, 0.0) / (na - 1), max(qb - nb * mb * mb, 0.0) / (nb - 1)
    half = z * math.sqrt(va / na + vb / nb)
    return ma - mb, (ma - mb - half, ma - mb + half)


def padded_variance(sums: Sums, scale: tuple[float, float]):
    """Per-impression variance with one pseudo-observation at each end of the scale (Agresti and Caffo's "add a
    success and a failure"), so 0 clicks in 15 is not read as no variance at all. Numbers or numpy arrays."""
    low, high = scale
    n = sums.n + 2
    mean = (sums.total + low + high) / n
    return np.maximum(sums.squares + low * low + high * high - n * mean * mean, 0.0) / (n - 1)
