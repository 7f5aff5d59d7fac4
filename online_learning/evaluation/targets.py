"""Target policies to evaluate, as (n, K) distributions over each logged decision's candidates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from online_learning.evaluation.logged import LoggedDecisions
from online_learning.policies.base import Policy


def uniform(data: LoggedDecisions) -> np.ndarray:
    """Every candidate equally likely.

    >>> data = LoggedDecisions(("a", "b", "c"), np.array([[1, 1, 1], [1, 0, 1]], bool), np.array([0, 2]),
    ...                        np.ones(2), np.zeros(2), np.ones((2, 1)))
    >>> uniform(data).round(3).tolist()
    [[0.333, 0.333, 0.333], [0.5, 0.0, 0.5]]
    """
    return data.available / data.available.sum(axis=1, keepdims=True)


def always(data: LoggedDecisions, action: str) -> np.ndarray:
    """Always `action` where it was a candidate; elsewhere (rules or a thumbs-down removed it) uniform.

    >>> data = LoggedDecisions(("a", "b", "c"), np.array([[1, 1, 1], [1, 0, 1]], bool), np.array([0, 2]),
    ...                        np.ones(2), np.zeros(2), np.ones((2, 1)))
    >>> always(data, "b").tolist()
    [[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]]
    """
    column = data.actions.index(action)
    target = uniform(data)
    offered = data.available[:, column]
    target[offered] = 0.0
    target[offered, column] = 1.0
    return target


def current_policy(policy: Policy, data: LoggedDecisions, features: Sequence[Sequence[str]]) -> np.ndarray:
    """The policy acting greedily: all mass on its highest expected reward (ties share it).

    A policy without expected rewards (uniform, a fixed split) learns nothing, so it is
    evaluated as it acts: its own distribution. `features` are each decision's features.

    >>> from online_learning.policies import BetaThompson
    >>> policy = BetaThompson()
    >>> for _ in range(20):
    ...     policy.update("b", ["bias"], 1.0)
    >>> policy.refresh()
    >>> data = LoggedDecisions(("a", "b", "c"), np.array([[1, 1, 1], [1, 0, 1]], bool), np.array([0, 2]),
    ...                        np.ones(2), np.zeros(2), np.ones((2, 1)))
    >>> current_policy(policy, data, [["bias"], ["bias"]]).tolist()  # b where offered; a and c tie elsewhere
    [[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]]
    """
    if len(features) != data.size:
        raise ValueError(f"{len(features)} feature lists for {data.size} decisions")
    target = np.zeros(data.available.shape)
    seen: dict[tuple, np.ndarray] = {}  # contexts repeat: score each distinct one once
    for i, (offered, row_features) in enumerate(zip(data.available, features)):
        columns = np.flatnonzero(offered)
        key = (tuple(columns), tuple(row_features))
        if key not in seen:
            seen[key] = _distribution(policy, [data.actions[k] for k in columns], row_features)
        target[i, columns] = seen[key]
    return target


def _distribution(policy: Policy, candidates: list[str], features: Sequence[str]) -> np.ndarray:
    expected_rewards = getattr(policy, "expected_rewards", None)
    if expected_rewards is None:
        return np.asarray(policy.probabilities(candidates, features), dtype=float)
    scores = expected_rewards(candidates, features)
    best = scores >= scores.max() - 1e-12
    return best / best.sum()
