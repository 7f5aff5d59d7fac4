"""What LinearThompson publishes for the request path, and what a decision reads from it.

The learner thread builds a `Published` at each refresh; decisions and explanations read only
that, never the evidence being updated, so the distribution a decision logs is the one it drew from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from online_learning.features import OTHER


@dataclass(frozen=True, slots=True)
class Published:
    vocabulary: dict[str, int]  # as it was at the refresh: the learner may drop features between refreshes
    variants: dict[str, int]
    means: np.ndarray  # (arms, features) ridge estimates
    covariances: np.ndarray  # (arms, features, features) inverse precisions
    noise: float  # residual standard deviation of reward
    priors: np.ndarray  # (features,) prior precision of each feature
    prior: float  # of a single field's feature not learned yet
    pair_prior: float  # of a pair's feature not learned yet
    scale: float  # of the posterior's spread in a Thompson draw


def empty(noise: float, prior: float, pair_prior: float, scale: float) -> Published:
    return Published({}, {}, np.zeros((0, 0)), np.zeros((0, 0, 0)), noise, np.zeros(0), prior, pair_prior, scale)


def posterior(published: Published, variants: Sequence[str], features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each variant's posterior mean reward and variance (before noise and scale) for these features."""
    size = published.means.shape[1]
    vocabulary = published.vocabulary
    idx = np.array([i for f in features if (i := vocabulary.get(f)) is not None and i < size], dtype=np.intp)
    # prior variance of features not learned yet
    unknown = sum(1.0 / (published.pair_prior if "&" in f else published.prior)
                  for f in features if vocabulary.get(f, size) >= size)
    means = np.zeros(len(variants))
    variances = np.full(len(variants), unknown + float((1.0 / published.priors[idx]).sum()))
    arms = [published.variants.get(v) for v in variants]
    known = [position for position, arm in enumerate(arms) if arm is not None]
    if known:
        rows = np.array([arms[position] for position in known], dtype=np.intp)
        means[known] = published.means[rows[:, None], idx].sum(axis=1)
        # gather only the (features x features) blocks a context uses, never copy whole covariances
        blocks = published.covariances[rows[:, None, None], idx[None, :, None], idx[None, None, :]]
        variances[known] = blocks.sum(axis=(1, 2)) + unknown
    return means, variances


def contributions(published: Published, variant: str, features: Sequence[str]) -> list[tuple[str, float]]:
    """How much each feature raises this variant's expected reward above the other variants'.

    A shared `field=(other)` is left out: it names no value of the visitor's, and the widget says a
    factor through its field and value, so it would read as if "(other)" were the visitor's page."""
    arm = published.variants.get(variant)
    if arm is None:
        return []
    others = [i for v, i in published.variants.items() if v != variant]
    result = []
    for feature in features:
        index = published.vocabulary.get(feature)
        if index is None or index >= published.means.shape[1] or feature.endswith(f"={OTHER}"):
            continue
        baseline = published.means[others, index].mean() if others else 0.0
        result.append((feature, float(published.means[arm, index] - baseline)))
    return sorted(result, key=lambda item: item[1], reverse=True)
