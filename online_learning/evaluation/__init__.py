"""Off-policy evaluation: what a policy would have earned on traffic logged under another.

Every logged decision carries the exact propensity of what was shown, so importance
weighting gives unbiased estimates of any target policy's value (IPS), a lower-variance
ratio version (SNIPS), and a doubly robust one that adds a cross-fitted reward model (DR),
each with a normal-approximation confidence interval and the effective sample size.
"""

from __future__ import annotations

from online_learning.evaluation.estimators import (
    Estimate, doubly_robust, effective_sample_size, ips, mean_reward, snips,
)
from online_learning.evaluation.logged import LoggedDecisions, LoggedExample
from online_learning.evaluation.report import PolicyValue, evaluate_policies
from online_learning.evaluation.reward_model import cross_fitted_rewards
from online_learning.evaluation.targets import always, current_policy, uniform

__all__ = [
    "Estimate", "LoggedDecisions", "LoggedExample", "PolicyValue", "always", "cross_fitted_rewards", "current_policy",
    "doubly_robust", "effective_sample_size", "evaluate_policies", "ips", "mean_reward", "snips", "uniform",
]
