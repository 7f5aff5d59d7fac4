"""The shape every policy has, so the decide path and the learner treat them alike."""

from __future__ import annotations

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
