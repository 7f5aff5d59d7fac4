"""Run a learner over a visitor stream in simulated time, with the same delays the server sees.

A choice's reward reaches the learner only when its reward window closes (or a rating
closes it early), as the reward join delivers it; a learner that publishes periodically
(Attune's server does every half second) refreshes on the stream's clock.
"""

from __future__ import annotations

import heapq

import numpy as np

from online_learning.features import context_features
from tests.bench.visitors import Stream


def simulate(learner, stream: Stream, variants: list[str]) -> np.ndarray:
    """Returns the index of the variant shown to each visitor."""
    chosen = np.empty(len(stream), dtype=np.intp)
    waiting: list[tuple[float, int, int, float, float]] = []  # (closes at, visitor, shown, propensity, reward)
    features = [context_features(c) for c in stream.contexts]
    next_refresh = 0.0
    for i in range(len(stream)):
        now = stream.arrive[i]
        while waiting and waiting[0][0] <= now:
            _, j, k, propensity, reward = heapq.heappop(waiting)
            learner.learn(variants, features[j], k, propensity, reward)
        if learner.refresh_interval is not None and now >= next_refresh:
            learner.refresh()
            next_refresh = now + learner.refresh_interval
        k, propensity = learner.choose(variants, features[i])
        chosen[i] = k
        reward, closes = stream.outcome(i, k)
        heapq.heappush(waiting, (now + closes, i, k, propensity, reward))
    return chosen
