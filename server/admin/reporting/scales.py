"""The least and greatest value a reward or a rating can take: intervals are clipped to them, never past."""

from __future__ import annotations

import itertools

from online_learning.reward import RewardWeights

RATING_SCALES = {"thumbs": (-1.0, 1.0), "stars": (1.0, 5.0)}


def reward_scale(weights: RewardWeights) -> tuple[float, float]:
    """Every reward server/storage/reward_sql.py can give, at these weights: the default when nothing follows,
    else the sum of what did (a click, a dismissal, one rating at either end of its scale)."""
    rating_terms = [None, weights.thumbs_up, weights.thumbs_down, -weights.stars, weights.stars]  # None: no rating
    values = [weights.default if not clicked and not dismissed and rated is None
              else weights.click * clicked + weights.dismiss * dismissed + (rated or 0.0)
              for clicked, dismissed, rated in itertools.product((0, 1), (0, 1), rating_terms)]
    low, high = min(values), max(values)
    return (low, high) if high > low else (low, low + 1.0)  # all weights equal: any unit scale keeps the maths finite


def rating_scale(feedback: str, observed_low: float | None, observed_high: float | None) -> tuple[float, float]:
    """The block's rating scale, widened to any rating logged under another (a block moved from thumbs to stars)."""
    low, high = RATING_SCALES.get(feedback, (-1.0, 1.0))
    if observed_low is not None:
        low = min(low, observed_low)
    if observed_high is not None:
        high = max(high, observed_high)
    return low, high
