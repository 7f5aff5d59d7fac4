"""95% intervals for the results page: Wilson for rates, normal for means and differences of means."""

from __future__ import annotations

import math

Z95 = 1.959964


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion; None without trials.

    >>> [round(x, 4) for x in wilson(10, 100)]
    [0.0552, 0.1744]
    """
    if trials <= 0:
        return None
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(total: float, squares: float, n: int, z: float = Z95) -> tuple[float, tuple[float, float] | None]:
    """Mean and its normal-approximation interval from a sum and a sum of squares (needs n >= 2).

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
    """Difference of two means, each given as (sum, sum of squares, n), with a Welch normal interval."""
    (sa, qa, na), (sb, qb, nb) = a, b
    if na < 2 or nb < 2:
        return (sa / na - sb / nb) if na and nb else math.nan, None
    ma, mb = sa / na, sb / nb
    va, vb = max(qa - na * ma * ma, 0.0) / (na - 1), max(qb - nb * mb * mb, 0.0) / (nb - 1)
    half = z * math.sqrt(va / na + vb / nb)
    return ma - mb, (ma - mb - half, ma - mb + half)
