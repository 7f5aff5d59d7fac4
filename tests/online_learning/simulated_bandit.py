"""Logged bandit traffic where the truth is known: hidden click rates, a logging policy with exact propensities.

Many seeded runs are drawn at once (arrays of shape (runs, n)), so a coverage test of
hundreds of runs costs a few seconds. The true value of a target policy is exact: the
click rates averaged over the context distribution, weighted by the target's choices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from online_learning.evaluation import LoggedDecisions, cross_fitted_rewards, doubly_robust, ips, snips

ACTIONS = ("a", "b", "c")
ESTIMATORS = ("ips", "snips", "dr")
# four kinds of visitor, two binary context fields and their pair, as context_features names them
CONTEXT_FEATURES = (
    ("bias", "device=mobile", "returning=false", "device=mobile&returning=false"),
    ("bias", "device=mobile", "returning=true", "device=mobile&returning=true"),
    ("bias", "device=desktop", "returning=false", "device=desktop&returning=false"),
    ("bias", "device=desktop", "returning=true", "device=desktop&returning=true"),
)
CONTEXT_SHARES = np.array([0.4, 0.3, 0.2, 0.1])
CLICK_RATES = np.array([  # (contexts, actions), hidden from the estimators
    [0.10, 0.30, 0.05],
    [0.40, 0.10, 0.05],
    [0.05, 0.10, 0.50],
    [0.20, 0.25, 0.20],
])
AVAILABLE = np.array([[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 0]], dtype=bool)  # a rule removes "c" for the last kind
LOGGING_SCORES = np.array([  # what the logging policy believed: partly wrong, so targets differ from it
    [1.0, 0.0, 0.5],
    [0.0, 1.0, 0.0],
    [0.5, 0.0, 1.0],
    [1.0, 0.0, 0.0],
])


def logging_propensities(*, temperature: float = 0.5, floor: float = 0.2) -> np.ndarray:
    """(contexts, actions) softmax of the scores over the available actions, mixed with uniform (the floor)."""
    scores = np.where(AVAILABLE, LOGGING_SCORES / temperature, -np.inf)
    softmax = np.exp(scores - scores.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    return (1 - floor) * softmax + floor * AVAILABLE / AVAILABLE.sum(axis=1, keepdims=True)


def true_value(policy: np.ndarray) -> float:
    """Exact value of a (contexts, actions) policy: expected clicks per decision over the context mix."""
    return float((CONTEXT_SHARES[:, None] * policy * CLICK_RATES).sum())


def one_hot(columns: np.ndarray) -> np.ndarray:
    return np.eye(len(ACTIONS))[columns]


def best_policy() -> np.ndarray:
    return one_hot(np.where(AVAILABLE, CLICK_RATES, -1).argmax(axis=1))


def worst_policy() -> np.ndarray:
    return one_hot(np.where(AVAILABLE, CLICK_RATES, 2).argmin(axis=1))


def uniform_policy() -> np.ndarray:
    return AVAILABLE / AVAILABLE.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class SimulatedRuns:
    contexts: np.ndarray  # (runs, n) index into CONTEXT_FEATURES
    chosen: np.ndarray  # (runs, n)
    propensity: np.ndarray  # (runs, n)
    reward: np.ndarray  # (runs, n) 1.0 for a click

    def logged(self, run: int) -> LoggedDecisions:
        contexts = self.contexts[run]
        return LoggedDecisions(
            actions=ACTIONS, available=AVAILABLE[contexts], chosen=self.chosen[run], propensity=self.propensity[run],
            reward=self.reward[run], features=feature_matrix()[contexts],
        )

    def target(self, run: int, policy: np.ndarray) -> np.ndarray:
        """A (contexts, actions) policy as the (n, K) target over one run's decisions."""
        return policy[self.contexts[run]]


def feature_matrix() -> np.ndarray:
    """(contexts, features) binary matrix over every feature any context has."""
    names = list(dict.fromkeys(f for features in CONTEXT_FEATURES for f in features))
    return np.array([[float(name in features) for name in names] for features in CONTEXT_FEATURES])


def simulate(*, runs: int, n: int, seed: int, propensities: np.ndarray | None = None) -> SimulatedRuns:
    """`runs` independent logs of `n` decisions each, drawn from one seeded generator."""
    rng = np.random.default_rng(seed)
    table = logging_propensities() if propensities is None else propensities
    contexts = rng.choice(len(CONTEXT_SHARES), size=(runs, n), p=CONTEXT_SHARES)
    cumulative = table.cumsum(axis=1)
    cumulative[cumulative > 1 - 1e-9] = 1.0  # so a draw never falls past the last available action
    chosen = (rng.random((runs, n, 1)) >= cumulative[contexts]).sum(axis=2)
    clicks = rng.random((runs, n)) < CLICK_RATES[contexts, chosen]
    return SimulatedRuns(contexts, chosen, table[contexts, chosen], clicks.astype(float))


def estimate_runs(runs: SimulatedRuns, targets: dict[str, np.ndarray]) -> dict[tuple[str, str], np.ndarray]:
    """(estimator, target) -> (runs, 3) array of estimate, low, high: every estimator on every run."""
    count = len(runs.chosen)
    found = {(e, t): np.empty((count, 3)) for e in ESTIMATORS for t in targets}
    for run in range(count):
        data = runs.logged(run)
        predicted = cross_fitted_rewards(data, seed=run)  # one reward model per run, shared by every target
        for name, policy in targets.items():
            target = runs.target(run, policy)
            for estimator, result in (("ips", ips(data, target)), ("snips", snips(data, target)),
                                      ("dr", doubly_robust(data, target, predicted=predicted))):
                found[estimator, name][run] = result.estimate, result.low, result.high
    return found


def coverage(found: np.ndarray, truth: float) -> float:
    """Share of runs whose interval holds the truth."""
    return float(((found[:, 1] <= truth) & (truth <= found[:, 2])).mean())
