"""The reward of `online_learning.reward.reward` as a DuckDB expression, for results computed in SQL.

The expression reads the columns `clicked`, `dismissed`, `feedback` ('stars' or a thumb) and `rating`
(stars 1..5, or +1/-1 for a thumb) and the parameters from `reward_params`.
tests/server/test_reward_parity.py checks it against the Python function on random outcomes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from online_learning.reward import RewardWeights

REWARD_SQL = """CASE WHEN NOT (clicked OR dismissed OR rating IS NOT NULL) THEN $w_default
     ELSE CASE WHEN clicked THEN $w_click ELSE 0 END + CASE WHEN dismissed THEN $w_dismiss ELSE 0 END
        + CASE WHEN rating IS NULL THEN 0 WHEN feedback = 'stars' THEN $w_stars * (rating - 3) / 2
               WHEN rating > 0 THEN $w_up ELSE $w_down END
END"""


def reward_params(weights: RewardWeights) -> dict[str, float]:
    """The named parameters REWARD_SQL reads, from a site's weights."""
    return {"w_default": weights.default, "w_click": weights.click, "w_dismiss": weights.dismiss,
            "w_stars": weights.stars, "w_up": weights.thumbs_up, "w_down": weights.thumbs_down}
