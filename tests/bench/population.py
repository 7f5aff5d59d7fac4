"""A simulated visitor population: contexts and hidden click rates per variant that depend on them.

Every population is drawn from a seed, so statistical tests and benchmarks can run on
populations they were not tuned on.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

FIELDS = {
    "device": ["mobile", "desktop", "tablet"],
    "referrer": ["search", "social", "email", "direct"],
    "segment": ["sport", "fashion", "tech", "home"],
    "returning": [True, False],
    "time_of_day": ["morning", "afternoon", "evening", "night"],
}
SITE_FIELDS = {**FIELDS, "page": ["/", "/shop", "/blog", "/deals", "/account"]}  # the visitor simulator's context


@dataclass
class Population:
    """Visitors whose click probability for each variant is a logistic function of their context."""

    variants: list[str]
    seed: int = 0
    base_rate: float = 0.06
    effect_size: float = 0.9
    fields: dict[str, list] = field(default_factory=lambda: FIELDS)
    _rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)
        self._draw_preferences(self._rng)
        self._weights = {name: self._rng.dirichlet(np.ones(len(values)) * 2) for name, values in self.fields.items()}

    def _draw_preferences(self, rng: np.random.Generator) -> None:
        k = len(self.variants)
        shape = {name: (len(values), k) for name, values in self.fields.items()}
        self._effects = {name: rng.normal(0, self.effect_size, s) for name, s in shape.items()}
        # one pair of fields interacts, so a model without pairs cannot reach the oracle
        self._pair = ("device", "segment")
        self._pair_effect = rng.normal(0, self.effect_size, (3, 4, k))
        self._base = np.log(self.base_rate / (1 - self.base_rate)) + rng.normal(0, 0.3, k)

    def shifted(self, seed: int) -> Population:
        """The same visitors (contexts drawn alike) whose tastes were drawn anew: a preference shift."""
        other = copy.copy(self)
        other._draw_preferences(np.random.default_rng([self.seed, seed]))
        return other

    def visitor(self) -> tuple[dict[str, object], np.ndarray]:
        """Draw one visitor: their context and their hidden click probability per variant."""
        positions = {name: int(self._rng.choice(len(values), p=self._weights[name]))
                     for name, values in self.fields.items()}
        context = {name: self.fields[name][i] for name, i in positions.items()}
        return context, self._rates(positions)

    def rates(self, context: dict[str, object]) -> np.ndarray:
        """The hidden click probability per variant for a context drawn from this population."""
        return self._rates({name: self.fields[name].index(value) for name, value in context.items()})

    def _rates(self, positions: dict[str, int]) -> np.ndarray:
        logit = self._base.copy()
        for name, i in positions.items():
            logit += self._effects[name][i]
        logit += self._pair_effect[positions["device"], positions["segment"]]
        return 1.0 / (1.0 + np.exp(-logit))

    def click(self, probability: float) -> bool:
        return bool(self._rng.random() < probability)
