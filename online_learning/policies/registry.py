"""The policy kinds a block may name, and a fresh policy of each: the one map from kind to class."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from online_learning.policies.base import Policy
from online_learning.policies.fixed import FixedSplit
from online_learning.policies.linear_thompson import LinearThompson
from online_learning.policies.thompson import BetaThompson
from online_learning.policies.uniform import Uniform

PolicyKind = Literal["uniform", "fixed", "thompson", "contextual"]  # what a configuration may name

_FACTORIES: dict[str, Callable[[int, Mapping[str, float]], Policy]] = {
    Uniform.kind: lambda seed, split: Uniform(),
    FixedSplit.kind: lambda seed, split: FixedSplit(split=split),
    BetaThompson.kind: lambda seed, split: BetaThompson(seed=seed),
    LinearThompson.kind: lambda seed, split: LinearThompson(seed=seed),
}
POLICY_KINDS = tuple(_FACTORIES)


def new_policy(kind: str, *, seed: int = 0, split: Mapping[str, float] | None = None) -> Policy:
    """A fresh policy of `kind`; `seed` feeds its randomness, `split` is a fixed split's shares.

    >>> new_policy("thompson", seed=3).kind, new_policy("fixed", split={"a": 1.0}).split
    ('thompson', {'a': 1.0})
    >>> new_policy("greedy")
    Traceback (most recent call last):
    KeyError: "unknown policy kind 'greedy'; known: uniform, fixed, thompson, contextual"
    """
    factory = _FACTORIES.get(kind)
    if factory is None:
        raise KeyError(f"unknown policy kind {kind!r}; known: {', '.join(POLICY_KINDS)}")
    return factory(seed, split or {})
