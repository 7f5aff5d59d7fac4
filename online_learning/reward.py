"""What a visitor's response to a decision is worth to the policy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RewardWeights:
    """Weights a site gives to what follows an impression; `default` is the reward when nothing does."""

    click: float = 1.0
    thumbs_up: float = 1.0
    thumbs_down: float = -1.0
    stars: float = 0.5
    dismiss: float = -0.25
    default: float = 0.0


@dataclass(slots=True)
class Outcome:
    """What followed one impression inside its reward window."""

    clicked: bool = False
    dismissed: bool = False
    thumbs: int | None = None  # +1 or -1
    stars: int | None = None  # 1..5


def reward(outcome: Outcome, weights: RewardWeights) -> float:
    """Sum the weighted responses; stars count from -1 (one star) to +1 (five stars) times `stars`.

    >>> reward(Outcome(), RewardWeights())
    0.0
    >>> reward(Outcome(clicked=True, stars=5), RewardWeights())
    1.5
    >>> reward(Outcome(thumbs=-1), RewardWeights())
    -1.0
    """
    if not (outcome.clicked or outcome.dismissed or outcome.thumbs or outcome.stars):
        return weights.default
    total = 0.0
    if outcome.clicked:
        total += weights.click
    if outcome.dismissed:
        total += weights.dismiss
    if outcome.thumbs == 1:
        total += weights.thumbs_up
    elif outcome.thumbs == -1:
        total += weights.thumbs_down
    if outcome.stars is not None:
        total += weights.stars * (outcome.stars - 3) / 2
    return total
