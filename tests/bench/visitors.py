"""The visitor simulator: a seeded stream of visitors, what each would do with each variant, and when.

Every visitor's response to every variant is drawn up front (common random numbers), so
Attune over HTTP and the peers in-process face the very same visitors and the same
clicks. Time is compressed: visitors arrive `RATE` per second and the site's reward
window is one second, so a click "seconds later" on a real page arrives a fraction of a
second later here, and some arrive after the window has closed, as late clicks do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tests.bench.population import SITE_FIELDS, Population

RATE = 1000.0  # visitors per second of the run (the server's clock): the reward window holds ~1,000 of them
REWARD_WINDOW = 1.0  # seconds, the smallest a site can configure
RATED_SHARE = 0.06  # visitors who rate what they were shown (thumbs up or down)
CLICK_DELAY_MEDIAN, CLICK_DELAY_SPREAD = 0.2, 0.9  # lognormal: about 4% of clicks come after the window
RATING_DELAY_MEDIAN = 0.15  # after the click (or the impression): a rating closes the window early


@dataclass(frozen=True)
class Scenario:
    name: str
    variants: int
    shift: bool = False  # tastes are drawn anew half-way through the run

    @property
    def variant_ids(self) -> list[str]:
        return [f"v{i + 1}" for i in range(self.variants)]


SCENARIOS = (Scenario("stationary, 4 variants", 4), Scenario("stationary, 8 variants", 8),
             Scenario("preference shift, 4 variants", 4, shift=True))


@dataclass
class Stream:
    """Everything about the visitors of one run; row i is visitor i, column k variant k."""

    contexts: list[dict[str, object]]
    arrive: np.ndarray  # seconds from the start of the run
    value: np.ndarray  # hidden expected reward: click probability plus the rating it would earn on average
    clicks: np.ndarray  # bool, whether this visitor would click variant k
    click_delay: np.ndarray  # seconds after the impression
    ratings: np.ndarray  # +1, -1, or 0 (does not rate)
    rating_delay: np.ndarray  # seconds after the impression
    shift_at: int | None

    def __len__(self) -> int:
        return len(self.contexts)

    def outcome(self, i: int, k: int) -> tuple[float, float]:
        """(reward the learner sees, seconds after the impression its window closes): the reward join's rules."""
        rating, rated_at = int(self.ratings[i, k]), float(self.rating_delay[i])
        rated_in_time = rating != 0 and rated_at <= REWARD_WINDOW
        closes = rated_at if rated_in_time else REWARD_WINDOW
        clicked = bool(self.clicks[i, k]) and self.click_delay[i] <= closes
        return float(clicked) + (float(rating) if rated_in_time else 0.0), closes


def stream(scenario: Scenario, seed: int, impressions: int) -> Stream:
    variants = scenario.variant_ids
    population = Population(variants, seed=seed, fields=SITE_FIELDS)
    shift_at = impressions // 2 if scenario.shift else None
    after = population.shifted(seed=1) if scenario.shift else population
    contexts, rates = [], np.empty((impressions, len(variants)))
    for i in range(impressions):
        context, rates[i] = population.visitor()
        if shift_at is not None and i >= shift_at:
            rates[i] = after.rates(context)
        contexts.append(context)
    rng = np.random.default_rng([seed, 7])
    clicks = rng.random((impressions, 1)) < rates  # one uniform per visitor: a visitor who clicks a dull variant clicks a better one
    click_delay = CLICK_DELAY_MEDIAN * np.exp(CLICK_DELAY_SPREAD * rng.standard_normal(impressions))
    likes = _liking(rates, population.base_rate)  # ratings follow relevance: the more appealing, the more thumbs up
    rated = rng.random((impressions, 1)) < RATED_SHARE
    ratings = np.where(rated, np.where(rng.random((impressions, 1)) < likes, 1, -1), 0)
    rating_delay = click_delay + RATING_DELAY_MEDIAN * np.exp(0.5 * rng.standard_normal(impressions))
    value = rates + RATED_SHARE * (2 * likes - 1)
    return Stream(contexts, np.arange(impressions) / RATE, value, clicks, click_delay, ratings, rating_delay, shift_at)


def _liking(rates: np.ndarray, base_rate: float) -> np.ndarray:
    """Chance a rating is a thumbs up: even for a variant as appealing as the population's base rate."""
    logit = np.log(rates / (1 - rates)) - np.log(base_rate / (1 - base_rate))
    return 1.0 / (1.0 + np.exp(-logit))
