"""Every estimator for every target policy over one set of logged decisions, sharing one reward model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from online_learning.evaluation.estimators import LEVEL, Estimate, doubly_robust, ips, snips
from online_learning.evaluation.logged import LoggedDecisions
from online_learning.evaluation.reward_model import cross_fitted_rewards


@dataclass(frozen=True, slots=True)
class PolicyValue:
    """What one target policy would have earned per decision, by each estimator."""

    policy: str
    ips: Estimate
    snips: Estimate
    dr: Estimate


def evaluate_policies(
    data: LoggedDecisions, targets: Mapping[str, np.ndarray], *, level: float = LEVEL, seed: int = 0,
) -> list[PolicyValue]:
    """IPS, SNIPS and DR for each named target, in the order given.

    >>> from online_learning.evaluation.logged import LoggedExample
    >>> from online_learning.evaluation.targets import always
    >>> examples = [LoggedExample(("bias",), ("a", "b"), a, 0.5, float(a == "a")) for _ in range(50) for a in "ab"]
    >>> data = LoggedDecisions.from_examples(examples)
    >>> [(v.policy, round(v.ips.estimate, 2), round(v.dr.estimate, 2))
    ...  for v in evaluate_policies(data, {"always a": always(data, "a"), "always b": always(data, "b")})]
    [('always a', 1.0, 1.0), ('always b', 0.0, 0.0)]
    """
    predicted = cross_fitted_rewards(data, seed=seed)
    return [
        PolicyValue(
            policy=name,
            ips=ips(data, target, level=level),
            snips=snips(data, target, level=level),
            dr=doubly_robust(data, target, predicted=predicted, level=level),
        )
        for name, target in targets.items()
    ]
