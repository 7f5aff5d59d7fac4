"""The shape every policy has, so the decide path and the learner treat them alike."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np


class Policy(Protocol):
    """A policy maps (candidates, features) to a full probability distribution and learns online.

    `probabilities` is called on the decide path and must stay cheap; `update` is called
    by the learner once per learned impression; `refresh` makes recent updates visible to
    `probabilities` (the learner calls it off the request path).
    """

    kind: str

    def probabilities(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray: ...

    def update(self, variant: str, features: Sequence[str], reward: float) -> None: ...

    def refresh(self) -> None: ...

    def contributions(self, variant: str, features: Sequence[str]) -> list[tuple[str, float]]: ...

    def state(self) -> dict[str, Any]: ...

    def load_state(self, state: dict[str, Any]) -> None: ...


class Stateless:
    """Mixin for policies that learn nothing: updates, refreshes and state are no-ops."""

    def update(self, variant: str, features: Sequence[str], reward: float) -> None:
        return None

    def refresh(self) -> None:
        return None

    def contributions(self, variant: str, features: Sequence[str]) -> list[tuple[str, float]]:
        return []

    def state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        return None


def is_finite_state(state: Any) -> bool:
    """Whether every number in a policy's state is finite; a None stands where a JSON file held NaN.

    A state that is not finite must never be saved or loaded: it would make every later fit NaN.

    >>> is_finite_state({"a": [2, 1], "vocabulary": ["bias"], "arms": {"v": {"evidence": [[1.0, 0.5], [0.5, 2.0]]}}})
    True
    >>> is_finite_state({"arms": {"v": {"evidence": [[1.0, float("nan")]]}}}), is_finite_state({"a": [None, 1]})
    (False, False)
    >>> is_finite_state({"errors": [0.0, float("inf")]}), is_finite_state({"count": 10 ** 400})
    (False, False)
    """
    if isinstance(state, dict):
        return all(is_finite_state(value) for value in state.values())
    if isinstance(state, list | tuple):
        try:  # a vector or matrix in one call: a 512 x 512 evidence matrix is a quarter of a million numbers
            return bool(np.isfinite(np.asarray(state, dtype=float)).all())
        except (TypeError, ValueError, OverflowError):  # strings, dicts or ragged lists: one element at a time
            return all(is_finite_state(value) for value in state)
    if isinstance(state, bool | str):
        return True
    if isinstance(state, int):
        return abs(state) <= 1e308  # an integer too large for a float would overflow every fit
    if isinstance(state, float):
        return math.isfinite(state)
    return False  # None, or anything a policy state never holds
