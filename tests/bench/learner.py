"""Section 3: learner updates per second and the cost of one decision, in-process, on population features."""

from __future__ import annotations

import time

import numpy as np

from online_learning.features import context_features
from online_learning.join import PendingDecision
from online_learning.learner import OnlineLearner
from online_learning.policies import new_policy
from online_learning.reward import RewardWeights
from tests.bench.common import Options, section, table, verdict
from tests.bench.peers import VowpalWabbit
from tests.bench.population import SITE_FIELDS, Population

VARIANTS = ["v1", "v2", "v3", "v4"]
KINDS = ("contextual", "thompson", "uniform")
TARGET_UPDATES = 20_000


def examples(count: int, seed: int) -> list[tuple[tuple[str, ...], str, float]]:
    """(features, shown variant, reward) for uniformly shown variants and clicks drawn from the population."""
    population = Population(VARIANTS, seed=seed, fields=SITE_FIELDS)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        context, probabilities = population.visitor()
        arm = int(rng.integers(len(VARIANTS)))
        out.append((context_features(context), VARIANTS[arm], float(population.click(probabilities[arm]))))
    return out


def direct_updates(kind: str, data) -> tuple[object, float]:
    """policy.update alone, as fast as it goes; returns the trained policy and updates/s."""
    policy = new_policy(kind)
    start = time.perf_counter()
    for features, variant, reward in data:
        policy.update(variant, features, reward)
    return policy, len(data) / (time.perf_counter() - start)


def vw_updates(data, exploration: str) -> float:
    """Vowpal Wabbit learning the same examples with the same features (context in U, -q UA), as fast as it goes."""
    vw = VowpalWabbit(exploration, seed=1)
    propensity = 1.0 / len(VARIANTS)
    start = time.perf_counter()
    for features, variant, reward in data:
        vw.learn(VARIANTS, features, VARIANTS.index(variant), propensity, reward)
    rate = len(data) / (time.perf_counter() - start)
    vw.close()
    return rate


def learner_updates(kind: str, data) -> float:
    """The learner thread's path: decision, impression, click, window closed by `advance`, update."""
    policy = new_policy(kind)
    learner = OnlineLearner(policy_for=lambda site, block: policy, weights_for=lambda site: RewardWeights())
    start = time.perf_counter()
    for i, (features, variant, reward) in enumerate(data):
        decision_id = f"d{i}"
        learner.add_decision(PendingDecision(decision_id, "pk_bench", "b", variant, features, decided_at=i,
                                             window_ms=100))
        learner.add_event(decision_id, "impression", None, at=i)
        if reward:
            learner.add_event(decision_id, "click", None, at=i)
        if i % 100 == 0:
            learner.advance(i)  # the learner thread advances once per committed group
    learner.advance(len(data) + 1000)
    elapsed = time.perf_counter() - start
    assert learner.learned == len(data), (learner.learned, len(data))
    return len(data) / elapsed


def probability_us(policy, probes: list[tuple[str, ...]]) -> tuple[float, float]:
    """Mean µs of a `probabilities` call on a context not seen since the last refresh, and of a memoised one."""
    first = []
    for features in probes[:50]:
        policy.refresh()  # forgets every memoised distribution
        start = time.perf_counter()
        policy.probabilities(VARIANTS, features)
        first.append(time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(1000):
        policy.probabilities(VARIANTS, probes[49])
    return float(np.mean(first)) * 1e6, (time.perf_counter() - start) * 1e3


def each_ms(call, repeat: int) -> list[float]:
    """Time every call: a median hides the rare slow call that a mean would blur."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def run(opts: Options) -> dict:
    count = 5000 if opts.quick else 50_000
    section(f"3. Learner (in-process, {count:,} examples of population seed 1, {len(VARIANTS)} variants)")
    data = examples(count, seed=1)
    probes = list(dict.fromkeys(features for features, _, _ in data))  # distinct contexts
    results, rows = {}, []
    for kind in KINDS:
        policy, direct = direct_updates(kind, data)
        via_learner = learner_updates(kind, data)
        refresh_ms = each_ms(policy.refresh, 30)
        first, memoised = probability_us(policy, probes)
        results[kind] = {"updates_per_s": round(direct, 1), "learner_updates_per_s": round(via_learner, 1),
                         "refresh_ms_median": round(float(np.median(refresh_ms)), 3),
                         "refresh_ms_max": round(max(refresh_ms), 3),
                         "probabilities_us_first": round(first, 2), "probabilities_us_memoised": round(memoised, 2)}
        rows.append([kind, direct, via_learner, float(np.median(refresh_ms)), max(refresh_ms), first, memoised])
    for exploration in ("--squarecb", "--epsilon 0.05"):
        rate = vw_updates(data, exploration)
        results[f"vw {exploration}"] = {"updates_per_s": round(rate, 1)}
        rows.append([f"vw {exploration}", rate, "", "", "", "", ""])
    features = len(data[0][0])
    print(table(["policy", "update/s", "via learner/s", "refresh ms p50", "refresh ms max",
                 "probs us (new ctx)", "probs us (memo)"], rows))
    print(f"{features} features per example (bias, 6 fields, 15 pairs); probabilities over 4 variants, for a "
          f"context first seen\nsince the last refresh, and again (memoised until the next refresh); VW learns the "
          f"same features\n(context namespace crossed with the variant, -q UA) through its Python API, parsing "
          f"text as its users do")
    contextual = results["contextual"]["learner_updates_per_s"]
    verdicts = [verdict(contextual >= TARGET_UPDATES, f"contextual learner keeps up with {TARGET_UPDATES:,} events/s "
                        f"on one core: {contextual:,.0f} updates/s through the reward join", quick=opts.quick)]
    return {"examples": count, "features_per_example": features, "policies": results, "verdicts": verdicts}
