"""One satisfaction figure per kind of answer, with its 95% interval, never outside its scale.

- NPS (0-10 answers): % promoters (9-10) minus % detractors (0-6), -100..100. Interval: the normal interval from the
  variance of the NPS estimator, Var = (p + d - (p - d)^2) / n for the shares p of promoters and d of detractors
  (the multinomial variance of the per-answer score +1/0/-1), clipped to -100..100.
- CSAT (1-5), CES (1-7), stars (1-5): the mean, with a Wilson bound on the scale (stats.bounded_mean).
- Thumbs (-1 or +1): the share of thumbs up, Wilson interval.
Below MIN_ANSWERS a figure is shown as "not enough data yet".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from msgspec import Struct

from server.admin.reporting.stats import Z95, bounded_mean, wilson

MIN_ANSWERS = 30  # below this many answers a group's figure is "not enough data yet"
SCALES = {"nps": (0.0, 10.0), "csat": (1.0, 5.0), "ces": (1.0, 7.0), "stars": (1.0, 5.0), "thumbs": (-1.0, 1.0)}
SATISFACTION = tuple(SCALES)  # the kinds of answer that say how satisfied someone is
NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES", "stars": "the star rating", "thumbs": "the thumbs-up share"}


class Score(Struct):
    kind: str  # nps | csat | ces | stars | thumbs
    n: int
    value: float | None  # NPS -100..100; a mean on the scale; the thumbs-up share 0..1
    low: float | None  # 95%
    high: float | None
    enough: bool  # n >= MIN_ANSWERS


def per_answer(kind: str, value: float) -> float:
    """What one answer adds to the figure: NPS +100/0/-100, thumbs 1/0, else the value itself."""
    if kind == "nps":
        return 100.0 if value >= 9 else (-100.0 if value <= 6 else 0.0)
    if kind == "thumbs":
        return 1.0 if value > 0 else 0.0
    return float(value)


def score(kind: str, values: Sequence[float]) -> Score:
    """The figure for raw answers (0-10 for NPS, -1/+1 for thumbs, the scale's values otherwise).

    >>> s = score("nps", [10, 9, 9, 8, 7, 6, 3, 10, 10, 0])
    >>> s.value, round(s.low, 1), round(s.high, 1)
    (20.0, -34.0, 74.0)
    >>> s = score("csat", [5, 4, 4, 3])
    >>> s.value, round(s.low, 2), round(s.high, 2)
    (4.0, 2.2, 4.82)
    """
    n = len(values)
    if n == 0:
        return Score(kind, 0, None, None, None, False)
    if kind == "nps":
        p = sum(1 for v in values if v >= 9) / n
        d = sum(1 for v in values if v <= 6) / n
        nps = p - d
        half = Z95 * math.sqrt(max(p + d - nps * nps, 0.0) / n)
        return Score(kind, n, 100 * nps, 100 * max(-1.0, nps - half), 100 * min(1.0, nps + half), n >= MIN_ANSWERS)
    if kind == "thumbs":
        ups = sum(1 for v in values if v > 0)
        low, high = wilson(ups, n)
        return Score(kind, n, ups / n, low, high, n >= MIN_ANSWERS)
    mean, (low, high) = bounded_mean(float(sum(values)), n, SCALES[kind])
    return Score(kind, n, mean, low, high, n >= MIN_ANSWERS)
