"""Policies: each gives a probability for every candidate variant and learns from rewards."""

from __future__ import annotations

from online_learning.policies.base import Policy
from online_learning.policies.fixed import FixedSplit
from online_learning.policies.linear_thompson import LinearThompson
from online_learning.policies.registry import POLICY_KINDS, PolicyKind, new_policy
from online_learning.policies.thompson import BetaThompson
from online_learning.policies.uniform import Uniform

__all__ = ["POLICY_KINDS", "BetaThompson", "FixedSplit", "LinearThompson", "Policy", "PolicyKind", "Uniform",
           "new_policy"]
