"""Anytime-valid verdicts: an interval that stays 95% valid however often the page is read.

A product team reads the results daily; a fixed-n interval read at every look says "Yes" to an A/A test far
more often than 5% of the time. The normal-mixture confidence sequence (Waudby-Smith, Arnold, Wu, Howard, Ramdas
and Sekhon, "Time-uniform central limit theory and asymptotic confidence sequences", 2023) is the one GrowthBook
and Eppo use for sequential testing: with it, the chance that the lift's interval *ever* excludes the truth is
about 5%. A verdict also needs MIN_GROUP_IMPRESSIONS in each group, so no verdict rests on a handful of visitors.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from msgspec import Struct

from server.admin.reporting.stats import Sums, padded_variance

ALPHA = 0.05
TUNED_FOR = 5_000  # impressions at which the sequence is tightest (GrowthBook's default tuning parameter)
MIN_GROUP_IMPRESSIONS = 100  # a verdict waits for this many impressions in each group compared
LONGEST_WAIT = 1_000  # beyond this many times today's impressions, "how many more" is not worth guessing


class Verdict(Struct):
    state: Literal["yes", "no", "not_enough_data"]  # yes: a beats b; no: b beats a
    estimate: float | None  # a minus b
    low: float | None  # the anytime-valid interval for a minus b
    high: float | None
    more_impressions: int | None  # roughly how many more (both groups together) a verdict needs; None: cannot tell


def mixture_rho2(alpha: float = ALPHA, tuned_for: int = TUNED_FOR) -> float:
    # rho^2 = (-2 log alpha + log(1 - 2 log alpha)) / n*: the mixture that makes the sequence tightest at n*
    return (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuned_for


def half_width(unit_variance, n, alpha: float = ALPHA, tuned_for: int = TUNED_FOR):
    """Half-width at n observations whose estimate has variance unit_variance / n. Numbers or numpy arrays."""
    rho2 = mixture_rho2(alpha, tuned_for)
    # sigma * sqrt(2 (n rho^2 + 1) / (n^2 rho^2) * log(sqrt(n rho^2 + 1) / alpha))  (Waudby-Smith et al. 2023, eq. 16)
    return np.sqrt(unit_variance * 2 * (n * rho2 + 1) / (n * n * rho2) * np.log(np.sqrt(n * rho2 + 1) / alpha))


def difference_sequence(a: Sums, b: Sums, scale: tuple[float, float], alpha: float = ALPHA):
    """(a's mean minus b's, low, high, unit variance): the anytime-valid interval, clipped to what the scale allows.
    Works on numpy arrays of sums, one element per look or per simulated run. Needs a.n, b.n > 0."""
    n = a.n + b.n
    # each group's variance, but never below both groups' together: a holdout that by chance clicked little also
    # looks steady, and reading that as precision made an A/A test at a 2% click rate claim a winner in 7% of runs
    pooled = padded_variance(Sums(a.total + b.total, a.squares + b.squares, n), scale)
    unit_variance = n * (np.maximum(padded_variance(a, scale), pooled) / a.n
                         + np.maximum(padded_variance(b, scale), pooled) / b.n)
    estimate = a.total / a.n - b.total / b.n
    half = half_width(unit_variance, n, alpha)
    reach = scale[1] - scale[0]
    return estimate, np.maximum(estimate - half, -reach), np.minimum(estimate + half, reach), unit_variance


def decided(a: Sums, b: Sums, low, high):
    """Whether a verdict is shown: enough impressions in both groups and an interval that excludes 0."""
    enough = (np.asarray(a.n) >= MIN_GROUP_IMPRESSIONS) & (np.asarray(b.n) >= MIN_GROUP_IMPRESSIONS)
    return enough & ((low > 0) | (high < 0))


def verdict(a: Sums, b: Sums, *, scale: tuple[float, float], b_share: float | None = None,
            alpha: float = ALPHA) -> Verdict:
    """Does a beat b? `b_share`: the share of traffic b is expected to get (the holdout share), used while b
    has no impressions yet to say how many more are needed.

    >>> verdict(Sums(69.0, 69.0, 338), Sums(0.0, 0.0, 15), scale=(0.0, 1.0)).more_impressions  # 85 more at 15/353
    2001
    >>> found = verdict(Sums(1200.0, 1200.0, 10_000), Sums(1000.0, 1000.0, 10_000), scale=(0.0, 1.0))
    >>> found.state, round(found.low, 4), round(found.high, 4)
    ('yes', 0.0059, 0.0341)
    """
    if a.n <= 0 or b.n <= 0:
        return Verdict("not_enough_data", None, None, None, _to_the_minimum(a, b, b_share))
    estimate, low, high, unit_variance = (float(x) for x in difference_sequence(a, b, scale, alpha))
    if decided(a, b, low, high):
        return Verdict("yes" if low > 0 else "no", estimate, low, high, 0)
    needs = [_to_the_minimum(a, b, b_share), _until_it_shows(abs(estimate), unit_variance, a.n + b.n, alpha)]
    known = [x for x in needs if x is not None]
    more = None if not known or (needs[1] is None and needs[0] == 0) else max(known)
    return Verdict("not_enough_data", estimate, low, high, more)


def _to_the_minimum(a: Sums, b: Sums, b_share: float | None) -> int | None:
    """Impressions (both groups) until each has MIN_GROUP_IMPRESSIONS, at the split seen so far (or b_share)."""
    if a.n and b.n:
        shares = (a.n / (a.n + b.n), b.n / (a.n + b.n))
    elif b_share and 0 < b_share < 1:
        shares = (1 - b_share, b_share)
    else:
        return None
    more = max((MIN_GROUP_IMPRESSIONS - group.n) / share for group, share in zip((a, b), shares))
    return max(math.ceil(more), 0)


def _until_it_shows(effect: float, unit_variance: float, n: int, alpha: float) -> int | None:
    """More impressions until the interval would be narrower than today's estimate, if the estimate and the
    variance stay as they are; None when the estimate is 0 or that is over LONGEST_WAIT times today's."""
    if effect <= 0 or unit_variance <= 0:
        return None
    if half_width(unit_variance, n, alpha) < effect:
        return 0
    low, high = n, n * LONGEST_WAIT
    if half_width(unit_variance, high, alpha) >= effect:
        return None
    while high - low > max(1, low // 100):  # to 1%: the figure is a rough guide
        middle = (low + high) // 2
        low, high = (low, middle) if half_width(unit_variance, middle, alpha) < effect else (middle, high)
    return int(high - n)
