"""Satisfaction against page speed: each kind of satisfaction answer by LCP, TTFB and decide-time bucket and by JS
errors seen, with 95% intervals and Spearman's rank correlation, led by one sentence.

The sentence reports the biggest difference between the fast (or error-free) pages and the rest whose interval
excludes zero after a Bonferroni adjustment over every comparison on the page (so looking at 20 comparisons does
not find one by chance); "no difference found" otherwise. Differences are of per-answer figures (survey_scores.py):
NPS points, scale points for CSAT/CES/stars, percentage points of thumbs up; Welch's normal interval.
Spearman's rho uses the raw timing (or error count); its interval is Fisher's z with Bonett and Wright's
standard error sqrt(1.06 / (n - 3)).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
from msgspec import Struct

from server.admin.reporting.speed_query import Rated
from server.admin.reporting.stats import Z95, difference
from server.admin.reporting.survey_scores import MIN_ANSWERS, NAMES, SCALES, Score, per_answer, score

# (field, name, bucket upper bounds in ms, how the slow side reads): Core Web Vitals' thresholds for LCP and TTFB
FACTORS = (
    ("lcp_ms", "LCP", (2500.0, 4000.0), "LCP is over 2.5 s"),
    ("ttfb_ms", "TTFB", (800.0, 1800.0), "TTFB is over 0.8 s"),
    ("decide_ms", "decide time", (100.0, 300.0), "Attune's decide took over 100 ms"),
    ("js_errors", "JS errors", (0.0,), "the page had 1 or more JS errors"),
)
KINDS = ("csat", "nps", "ces", "thumbs", "stars")
MIN_SPEARMAN = 10


class Bucket(Struct):
    name: str  # "≤ 2.5 s", "2.5–4 s", "> 4 s"; "0", "1+"
    score: Score


class Comparison(Struct):
    kind: str
    factor: str  # lcp_ms | ttfb_ms | decide_ms | js_errors
    factor_name: str
    buckets: list[Bucket]
    n: int  # answers with this timing
    lower_when_slow: float | None  # fast (first bucket) minus the rest: positive = slower pages less satisfied
    ci: tuple[float, float] | None  # 95%, this comparison alone
    adjusted_ci: tuple[float, float] | None  # 95% simultaneous over every comparison on the page (Bonferroni)
    supported: bool  # the adjusted interval excludes zero
    spearman: float | None
    spearman_ci: tuple[float, float] | None


class SpeedView(Struct):
    sentence: str
    comparisons: list[Comparison]
    compared: int  # comparisons with enough answers on both sides: the Bonferroni divisor
    answers: int
    min_answers: int = MIN_ANSWERS


def speed_view(rows: list[Rated]) -> SpeedView:
    comparisons = [_comparison(kind, factor, [r for r in rows if r.kind == kind]) for kind in KINDS
                   for factor in FACTORS if any(r.kind == kind for r in rows)]
    comparisons = [c for c in comparisons if c.n]
    testable = [c for c in comparisons if c.ci is not None]
    z = NormalDist().inv_cdf(1 - 0.05 / (2 * max(1, len(testable))))
    for c in testable:
        half = (c.ci[1] - c.ci[0]) / 2 * z / Z95
        c.adjusted_ci = (c.lower_when_slow - half, c.lower_when_slow + half)
        c.supported = c.adjusted_ci[0] > 0 or c.adjusted_ci[1] < 0
    return SpeedView(sentence=_sentence(testable, len(rows)), comparisons=comparisons, compared=len(testable),
                     answers=len(rows))


def _comparison(kind: str, factor: tuple, rows: list[Rated]) -> Comparison:
    field, name, bounds, _ = factor
    timed = [(getattr(r, field), r.value) for r in rows if getattr(r, field) is not None]
    edges = (-math.inf, *bounds, math.inf)
    buckets = [Bucket(_bucket_name(field, low, high), score(kind, [v for t, v in timed if low < t <= high]))
               for low, high in zip(edges, edges[1:])]
    fast = [per_answer(kind, v) for t, v in timed if t <= bounds[0]]
    slow = [per_answer(kind, v) for t, v in timed if t > bounds[0]]
    diff, ci = None, None
    if len(fast) >= MIN_ANSWERS and len(slow) >= MIN_ANSWERS:
        diff, ci = difference(_sums(fast), _sums(slow))
    rho, rho_ci = _spearman([t for t, _ in timed], [v for _, v in timed])
    return Comparison(kind=kind, factor=field, factor_name=name, buckets=buckets, n=len(timed), lower_when_slow=diff,
                      ci=ci, adjusted_ci=None, supported=False, spearman=rho, spearman_ci=rho_ci)


def _sums(values: list[float]) -> tuple[float, float, int]:
    return float(sum(values)), float(sum(v * v for v in values)), len(values)


def _bucket_name(field: str, low: float, high: float) -> str:
    if field == "js_errors":
        return "0" if high == 0 else "1+"
    scale, unit = (1.0, "ms") if field == "decide_ms" else (1000.0, "s")
    if low == -math.inf:
        return f"≤ {high / scale:g} {unit}"
    return f"> {low / scale:g} {unit}" if high == math.inf else f"{low / scale:g}–{high / scale:g} {unit}"


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given their average rank."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - (counts - 1) / 2.0))[inverse]


def _spearman(x: list[float], y: list[float]) -> tuple[float | None, tuple[float, float] | None]:
    """Spearman's rho with a 95% interval (Fisher z, Bonett-Wright), or None below MIN_SPEARMAN or without spread.

    >>> rho, (low, high) = _spearman([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 1, 4, 3, 6, 5, 8, 7, 10, 9])
    >>> round(rho, 3), round(low, 3), round(high, 3)
    (0.939, 0.749, 0.986)
    """
    n = len(x)
    if n < MIN_SPEARMAN:
        return None, None
    rx, ry = _ranks(np.asarray(x, float)), _ranks(np.asarray(y, float))
    if rx.std() == 0 or ry.std() == 0:
        return None, None
    rho = float(np.corrcoef(rx, ry)[0, 1])
    centre, half = math.atanh(max(-0.999999, min(0.999999, rho))), Z95 * math.sqrt(1.06 / (n - 3))
    return rho, (math.tanh(centre - half), math.tanh(centre + half))


def _sentence(testable: list[Comparison], answers: int) -> str:
    if not testable:
        return (f"Not enough data yet: a comparison needs {MIN_ANSWERS} answers on each side "
                f"({answers:,} satisfaction answers so far).")
    supported = [c for c in testable if c.supported]
    if not supported:
        return (f"No difference found: satisfaction was not measurably different on slower pages or pages with "
                f"JS errors ({len(testable)} comparisons, {answers:,} answers).")
    best = max(supported, key=lambda c: abs(c.lower_when_slow) / _span(c.kind))
    slow = next(f[3] for f in FACTORS if f[0] == best.factor)
    low, high = sorted(abs(v) for v in best.adjusted_ci)
    direction = "lower" if best.lower_when_slow > 0 else "higher"
    name = NAMES[best.kind]
    name = name[0].upper() + name[1:]
    return f"{name} is {_amount(best.kind, abs(best.lower_when_slow))} {direction} (95% CI " \
           f"{_amount(best.kind, low, unit=False)}–{_amount(best.kind, high)}) when {slow}, n = {best.n:,}."


def _span(kind: str) -> float:
    return 200.0 if kind == "nps" else (1.0 if kind == "thumbs" else SCALES[kind][1] - SCALES[kind][0])


def _amount(kind: str, value: float, unit: bool = True) -> str:
    if kind == "thumbs":
        return f"{value * 100:.0f}" + (" percentage points" if unit else "")
    if kind == "nps":
        return f"{value:.0f}" + (" points" if unit else "")
    return f"{value:.1f}"
