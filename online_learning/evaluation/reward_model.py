"""The doubly robust estimator's reward model: a ridge regression per action, cross-fitted.

Each decision's predictions come from a model fitted on the other fold, so the model
never scores a decision it learned from and cannot bias the estimate by overfitting.
"""

from __future__ import annotations

import numpy as np

from online_learning.evaluation.logged import LoggedDecisions

FOLDS = 2
RIDGE = 1.0


def cross_fitted_rewards(
    data: LoggedDecisions, *, folds: int = FOLDS, ridge: float = RIDGE, seed: int = 0,
) -> np.ndarray:
    """(n, K) predicted reward of every action for every decision, each from a model that did not see it.

    >>> from online_learning.evaluation.logged import LoggedExample
    >>> mobile, desktop = ("bias", "device=mobile"), ("bias", "device=desktop")
    >>> examples = [LoggedExample(f, ("a", "b"), a, 0.5, float((f == mobile) == (a == "a")))
    ...             for _ in range(50) for f in (mobile, desktop) for a in ("a", "b")]
    >>> predicted = cross_fitted_rewards(LoggedDecisions.from_examples(examples))
    >>> predicted[[0, 2]].round(1).tolist()  # a mobile and a desktop decision: mobile prefers a, desktop b
    [[1.0, 0.0], [0.0, 1.0]]
    """
    n, actions = data.available.shape
    fold = np.random.default_rng(seed).permutation(n) % folds
    predicted = np.empty((n, actions))
    for f in range(folds):
        train, held_out = fold != f, fold == f
        predicted[held_out] = _fit_and_predict(
            data.features[train], data.chosen[train], data.reward[train], data.features[held_out],
            actions=actions, ridge=ridge,
        )
    return predicted


def _fit_and_predict(
    features: np.ndarray, chosen: np.ndarray, reward: np.ndarray, new_features: np.ndarray, *,
    actions: int, ridge: float,
) -> np.ndarray:
    predicted = np.full((len(new_features), actions), reward.mean() if len(reward) else 0.0)
    identity = np.eye(features.shape[1])
    for action in range(actions):
        mine = chosen == action
        if not mine.any():
            continue  # never shown in this fold: the fold's overall mean is the best guess
        x, y = features[mine], reward[mine]
        baseline = y.mean()  # shrink towards the action's mean, not zero: a thin action then predicts its mean
        coefficients = np.linalg.solve(x.T @ x + ridge * identity, x.T @ (y - baseline))
        predicted[:, action] = baseline + new_features @ coefficients
    return predicted
