"""High-cardinality context: memory and time of the contextual policy as distinct page paths grow, and what the
per-field cap on values costs in learning. In-process, one core, fixed seeds.

The stream is the project's simulated population (device, referrer, segment, returning, time of day) plus a page
path: five popular pages take every other visit, the other half cycles through the rare ones, so `paths` distinct
paths really appear. With "some" signal the popular pages shift each variant's click odds (logit effects drawn
with spread 0.9, like the other fields), with "little" 0.3; the rare pages are noise. The baseline is the same
visitors and clicks without the page field.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np
import orjson

from online_learning.exploration import draw, with_floor
from online_learning.features import context_features
from online_learning.policies import LinearThompson
from tests.bench.common import Options, section, table, verdict
from tests.bench.population import Population

VARIANTS = ["v1", "v2", "v3", "v4"]
PATH_COUNTS = (10, 100, 1_000, 10_000)
POPULAR = {"/": 0.2, "/shop": 0.12, "/blog": 0.08, "/deals": 0.06, "/account": 0.04}  # half of all visits
SIGNALS = {"little": 0.3, "some": 0.9}
LEARNING_SEEDS = (1, 2, 3)
FLOOR, REFRESH_EVERY = 0.02, 100
SETTINGS = {"no page field": {}, "every value (today)": {"values_per_field": None}, "per-field cap": {}}
TARGET_STATE_MB = 8.0  # arrays with 10k paths, 4 variants (two fits' evidence, the published covariances); every value: 24


@dataclass
class Stream:
    with_page: list[tuple[str, ...]]
    without_page: list[tuple[str, ...]]
    rates: np.ndarray  # (impressions, variants) hidden click probabilities, the page's effect included
    clicks: np.ndarray  # (impressions, variants), one uniform per visitor (common random numbers)


def stream(seed: int, paths: int, impressions: int, signal: float) -> Stream:
    population = Population(VARIANTS, seed=seed)
    rng = np.random.default_rng([seed, paths, 17])
    names = list(POPULAR) + [f"/articles/{i}" for i in range(paths - len(POPULAR))]
    effects = np.zeros((len(names), len(VARIANTS)))
    effects[:len(POPULAR)] = rng.normal(0, signal, (len(POPULAR), len(VARIANTS)))
    shares = np.array(list(POPULAR.values()))
    rare = rng.permutation(np.arange(len(POPULAR), len(names)))
    with_page, without_page, rates, seen_rare = [], [], np.empty((impressions, len(VARIANTS))), 0
    for t in range(impressions):
        context, rate = population.visitor()
        if t % 2 == 0 or not len(rare):  # every other visit is to a popular page
            page = int(rng.choice(len(POPULAR), p=shares / shares.sum()))
        else:
            page, seen_rare = int(rare[seen_rare % len(rare)]), seen_rare + 1
        logit = np.log(rate / (1 - rate)) + effects[page]
        rates[t] = 1.0 / (1.0 + np.exp(-logit))
        without_page.append(context_features(context))
        with_page.append(context_features({**context, "page": names[page]}))
    clicks = rng.random((impressions, 1)) < rates
    return Stream(with_page, without_page, rates, clicks)


def policy_for(setting: str, seed: int) -> LinearThompson:
    return LinearThompson(seed=seed, **SETTINGS[setting])


def drive(policy: LinearThompson, features: list[tuple[str, ...]], seen: Stream, seed: int) -> dict:
    """Decide, learn and refresh as the server does; CPU seconds of each step, and the share of the oracle's lift."""
    rng = np.random.default_rng(seed + 1)
    chosen = np.empty(len(features), dtype=np.intp)
    spent = {"score": 0.0, "update": 0.0, "refresh": 0.0}
    for t, context in enumerate(features):
        start = time.process_time()
        raw = policy.probabilities(VARIANTS, context)
        scored = time.process_time()
        chosen[t] = draw(with_floor(raw, FLOOR), rng)
        decided = time.process_time()
        policy.update(VARIANTS[chosen[t]], context, float(seen.clicks[t, chosen[t]]))
        spent["score"] += scored - start
        spent["update"] += time.process_time() - decided
        if (t + 1) % REFRESH_EVERY == 0:
            start = time.process_time()
            policy.refresh()
            spent["refresh"] += time.process_time() - start
    earned = seen.rates[np.arange(len(chosen)), chosen].mean()
    uniform, oracle = seen.rates.mean(), seen.rates.max(axis=1).mean()
    n = len(features)
    return {"share": float((earned - uniform) / (oracle - uniform)), "score_us": spent["score"] / n * 1e6,
            "update_us": spent["update"] / n * 1e6, "refresh_ms": spent["refresh"] / (n // REFRESH_EVERY) * 1e3,
            "features": len(policy.state()["vocabulary"])}


def measured(setting: str, seen: Stream, seed: int) -> dict:
    """One timed run, then the same run again under tracemalloc for its peak (tracing slows the timed steps)."""
    features = seen.without_page if setting == "no page field" else seen.with_page
    gc.collect()
    result = drive(policy_for(setting, seed), features, seen, seed)
    tracemalloc.start()
    policy = policy_for(setting, seed)
    drive(policy, features, seen, seed)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result | {"snapshot_mb": len(orjson.dumps(policy.state())) / 2**20, "peak_mb": peak / 2**20,
                     "state_mb": state_bytes(policy) / 2**20}


def state_bytes(policy: LinearThompson) -> int:
    """The numpy arrays the policy holds: both fits' evidence and the published means and covariances."""
    evidences = [policy._lasting] + ([policy._recent] if policy._recent is not None else [])
    arrays = [a for e in evidences for arm in e.arms.values() for a in (arm.evidence, arm.targets)]
    arrays += [policy._published.means, policy._published.covariances]
    return sum(a.nbytes for a in arrays)


def run(opts: Options) -> dict:
    impressions = 6_000 if opts.quick else 20_000
    counts = PATH_COUNTS[:3] if opts.quick else PATH_COUNTS
    section(f"High-cardinality context: page paths 10 to {counts[-1]:,} ({impressions:,} impressions, 4 variants, "
            "in-process, CPU time of this process)")
    rows, out = [], {"scaling": [], "learning": []}
    for paths in counts:
        seen = stream(1, paths, impressions, SIGNALS["some"])
        base = measured("no page field", seen, 1)  # the same visitors and clicks, in the same run
        for setting in SETTINGS:
            r = base if setting == "no page field" else measured(setting, seen, 1)
            out["scaling"].append({"paths": paths, "setting": setting} | r)
            rows.append([f"{paths:,}", setting, r["features"],
                         r["snapshot_mb"], r["state_mb"], r["peak_mb"], r["update_us"], r["score_us"],
                         r["refresh_ms"], f"{r['update_us'] / base['update_us']:.2f}",
                         f"{r['score_us'] / base['score_us']:.2f}", f"{r['share']:.3f}"])
    print(table(["paths", "values", "features", "snapshot MB", "arrays MB", "peak MB", "update us", "score us",
                 "refresh ms", "update x base", "score x base", "share of lift"], rows))
    seeds = LEARNING_SEEDS[:1] if opts.quick else LEARNING_SEEDS
    paths = counts[-1]
    print(f"\nLearning cost with {paths:,} paths (5 popular pages matter, the rest are noise), seeds "
          f"{','.join(map(str, seeds))}: share of the oracle's lift over all {impressions:,} impressions")
    rows = []
    for signal, spread in SIGNALS.items():
        for seed in seeds:
            if (signal, seed) == ("some", 1):  # the last rows of the table above: the same runs
                shares = {r["setting"]: r["share"] for r in out["scaling"] if r["paths"] == paths}
            else:
                seen = stream(seed, paths, impressions, spread)
                shares = {setting: drive(policy_for(setting, seed), seen.without_page if setting == "no page field"
                                         else seen.with_page, seen, seed)["share"] for setting in SETTINGS}
            out["learning"].append({"signal": signal, "seed": seed, "paths": paths} | shares)
            rows.append([signal, seed, *(f"{shares[s]:.3f}" for s in SETTINGS)])
    print(table(["page signal", "seed", *SETTINGS], rows))
    capped = [r for r in out["scaling"] if r["setting"] == "per-field cap" and r["paths"] == counts[-1]][0]
    verdicts = [verdict(capped["state_mb"] <= TARGET_STATE_MB, f"policy arrays with {counts[-1]:,} paths <= "
                        f"{TARGET_STATE_MB} MB: {capped['state_mb']:.1f} MB", quick=opts.quick)]
    return out | {"impressions": impressions, "verdicts": verdicts}
