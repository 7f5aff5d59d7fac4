"""Scenario families for the held-out learning suite: each family draws whole visitor worlds from a seed.

A family fixes what kind of world it is (additive or interaction-heavy tastes, drift or an abrupt
change, heavy-tailed reward delays, ratings, irrelevant fields, a page path with thousands of
values); the seed draws everything else: the number of variants and the base click rate within the
family's ranges, which fields matter and how much, the visitors and what each would do. The result
is a `visitors.Stream`, so the HTTP driver, the in-process simulation and the scores all apply.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from tests.bench.population import FIELDS
from tests.bench.visitors import CLICK_DELAY_MEDIAN, CLICK_DELAY_SPREAD, RATE, RATING_DELAY_MEDIAN, Stream

TRAINING_SEEDS = (101, 102, 103)  # the only seeds any setting may be chosen on
HELD_OUT_SEEDS = (201, 202, 203)  # reported; never looked at while tuning


@dataclass(frozen=True)
class Family:
    name: str
    variants: tuple[int, int] = (3, 6)  # drawn uniformly, bounds included
    base_rate: tuple[float, float] = (0.02, 0.10)  # drawn log-uniformly
    main_effect: float = 0.9  # spread of each field value's effect on a variant's logit
    pairs: int = 1  # pairs of fields whose combination has an effect of its own
    pair_effect: float = 0.9
    change: str | None = None  # "abrupt": tastes drawn anew half-way; "drift": they move from one set to another
    heavy_delays: bool = False  # Lomax-distributed click delays: a fifth come after the reward window
    rated_share: float = 0.06
    noise_fields: int = 0  # fields that change nothing
    page_paths: int = 0  # a page field with this many values (Zipf traffic; the top pages matter)

    @property
    def stationary(self) -> bool:
        return self.change is None


FAMILIES = (
    Family("additive", variants=(2, 8), pairs=0),
    Family("interaction-heavy", variants=(2, 8), main_effect=0.4, pairs=3, pair_effect=1.1),
    Family("many variants, rare clicks", variants=(10, 20), base_rate=(0.005, 0.02)),
    Family("gradual drift", change="drift"),
    Family("abrupt change", change="abrupt"),
    Family("heavy-tailed delays", heavy_delays=True),
    Family("ratings, rare clicks", base_rate=(0.005, 0.03), rated_share=0.3),
    Family("irrelevant fields", noise_fields=4),
    Family("page paths", page_paths=5000),
)


@dataclass(frozen=True)
class World:
    family: Family
    seed: int
    variants: int
    base_rate: float

    @property
    def variant_ids(self) -> list[str]:
        return [f"v{i + 1}" for i in range(self.variants)]

    @property
    def name(self) -> str:
        return f"{self.family.name}, seed {self.seed}"


def world(family: Family, seed: int) -> World:
    rng = np.random.default_rng([zlib.crc32(family.name.encode()), seed])
    low, high = family.base_rate
    return World(family, seed, int(rng.integers(family.variants[0], family.variants[1] + 1)),
                 float(np.exp(rng.uniform(np.log(low), np.log(high)))))


def _fields(family: Family, rng: np.random.Generator) -> dict[str, list]:
    fields: dict[str, list] = dict(FIELDS)
    for n in range(family.noise_fields):
        fields[f"noise{n + 1}"] = [f"n{j}" for j in range(int(rng.integers(3, 9)))]
    if family.page_paths:
        fields["page"] = ["/"] + [f"/p/{j}" for j in range(1, family.page_paths)]
    return fields


def _tastes(family: Family, fields: dict[str, list], world_: World, rng: np.random.Generator) -> dict:
    k = len(world_.variant_ids)
    effects = {}
    for name, values in fields.items():
        spread = 0.0 if name.startswith("noise") else family.main_effect
        effect = rng.normal(0, spread, (len(values), k))
        if name == "page":
            effect[12:] *= 0.15  # only the most visited pages differ much; the long tail barely does
        effects[name] = effect
    meaningful = [n for n in fields if not n.startswith("noise") and n != "page"]
    pairs = [tuple(rng.choice(meaningful, 2, replace=False)) for _ in range(family.pairs)]
    pair_effects = {pair: rng.normal(0, family.pair_effect, (len(fields[pair[0]]), len(fields[pair[1]]), k))
                    for pair in pairs}
    base = np.log(world_.base_rate / (1 - world_.base_rate)) + rng.normal(0, 0.3, k)
    return {"effects": effects, "pairs": pair_effects, "base": base}


def _logits(tastes: dict, positions: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    logit = np.tile(tastes["base"], (len(positions[names[0]]), 1))
    for name in names:
        logit += tastes["effects"][name][positions[name]]
    for (a, b), effect in tastes["pairs"].items():
        logit += effect[positions[a], positions[b]]
    return logit


def stream(world_: World, impressions: int) -> Stream:
    family = world_.family
    rng = np.random.default_rng([zlib.crc32(family.name.encode()), world_.seed, 1])
    fields = _fields(family, rng)
    names = list(fields)
    positions = {}
    for name, values in fields.items():
        if name == "page":  # Zipf-like: a few pages get most visits, thousands get a handful
            weights = 1.0 / np.arange(1, len(values) + 1) ** 1.1
        else:
            weights = rng.dirichlet(np.ones(len(values)) * 2)
        positions[name] = rng.choice(len(values), size=impressions, p=weights / weights.sum())
    before = _tastes(family, fields, world_, rng)
    logit = _logits(before, positions, names)
    shift_at = None
    if family.change is not None:
        after = _logits(_tastes(family, fields, world_, rng), positions, names)
        if family.change == "abrupt":
            shift_at = impressions // 2
            mix = (np.arange(impressions) >= shift_at).astype(float)
        else:  # drift: from the first tastes to the second between a quarter and three quarters of the run
            mix = np.clip((np.arange(impressions) / impressions - 0.25) * 2, 0.0, 1.0)
        logit = (1 - mix)[:, None] * logit + mix[:, None] * after
    rates = 1.0 / (1.0 + np.exp(-logit))
    contexts = [{name: fields[name][positions[name][i]] for name in names} for i in range(impressions)]
    clicks = rng.random((impressions, 1)) < rates
    if family.heavy_delays:  # Lomax (Pareto II) with shape 1.2: median 0.3 s, a fifth after the 1 s window
        click_delay = 0.3 * ((rng.random(impressions) ** (-1 / 1.2)) - 1) / (2 ** (1 / 1.2) - 1)
    else:
        click_delay = CLICK_DELAY_MEDIAN * np.exp(CLICK_DELAY_SPREAD * rng.standard_normal(impressions))
    centre = np.log(world_.base_rate / (1 - world_.base_rate))
    likes = 1.0 / (1.0 + np.exp(-(logit - centre)))  # more thumbs up the more appealing, as visitors.py
    rated = rng.random((impressions, 1)) < family.rated_share
    ratings = np.where(rated, np.where(rng.random((impressions, 1)) < likes, 1, -1), 0)
    rating_delay = click_delay + RATING_DELAY_MEDIAN * np.exp(0.5 * rng.standard_normal(impressions))
    value = rates + family.rated_share * (2 * likes - 1)
    return Stream(contexts, np.arange(impressions) / RATE, value, clicks, click_delay, ratings, rating_delay, shift_at)
