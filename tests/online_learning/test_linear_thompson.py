"""LinearThompson on a simulated population: it learns who likes what, and its distribution stays exact."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest

from online_learning.exploration import draw, with_floor
from online_learning.features import context_features
from online_learning.policies import BetaThompson, LinearThompson
from tests.bench.population import Population

VARIANTS = ["classic", "deal", "story", "app"]
SEEDS = (1, 2, 3)  # chosen before the first run, not tuned
IMPRESSIONS = 8000
TAIL = 2000  # judged on the last impressions, once the policy has had time to learn
FLOOR = 0.02
REFRESH_EVERY = 100


@dataclass
class Traffic:
    features: list[tuple[str, ...]]
    rates: np.ndarray  # (impressions, variants) hidden click probabilities
    clicks: np.ndarray  # (impressions, variants) whether this visitor would click each variant


@dataclass
class Run:
    share: float  # of the oracle's lift over uniform, in expected clicks over the last TAIL impressions
    raw: np.ndarray  # (impressions, variants) the policy's own distributions
    shown: np.ndarray  # the same after the exploration floor: what the draw used


def traffic(seed: int, impressions: int = IMPRESSIONS) -> Traffic:
    population = Population(VARIANTS, seed=seed)
    visitors = [population.visitor() for _ in range(impressions)]
    rates = np.array([rate for _, rate in visitors])
    # one uniform per impression, shared by every policy (common random numbers), compared as Population.click does
    clicks = np.random.default_rng(seed).random((impressions, 1)) < rates
    return Traffic([context_features(context) for context, _ in visitors], rates, clicks)


def run(policy, seen: Traffic, seed: int) -> Run:
    rng = np.random.default_rng(seed + 1)
    raw = np.empty_like(seen.rates)
    shown = np.empty_like(seen.rates)
    chosen = np.empty(len(seen.features), dtype=np.intp)
    for t, features in enumerate(seen.features):
        raw[t] = policy.probabilities(VARIANTS, features)
        shown[t] = with_floor(raw[t], FLOOR)
        chosen[t] = draw(shown[t], rng)
        policy.update(VARIANTS[chosen[t]], features, float(seen.clicks[t, chosen[t]]))
        if (t + 1) % REFRESH_EVERY == 0:
            policy.refresh()
    tail = seen.rates[-TAIL:]
    earned = tail[np.arange(TAIL), chosen[-TAIL:]].mean()
    uniform, oracle = tail.mean(), tail.max(axis=1).mean()
    return Run(float((earned - uniform) / (oracle - uniform)), raw, shown)


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"population{seed}")
def runs(request) -> dict[str, Run]:
    seed = request.param
    seen = traffic(seed)
    return {
        "contextual": run(LinearThompson(seed=seed), seen, seed),
        "thompson": run(BetaThompson(seed=seed), seen, seed),
    }


def test_earns_most_of_the_oracles_lift_over_uniform(runs):
    # Tolerance: on seeds 1-13 (none tuned) the share was 0.71-0.96; on these three 0.92, 0.91, 0.95.
    # 0.6 leaves that spread plus platform noise, yet fails a policy that learns little (uniform scores 0).
    assert runs["contextual"].share >= 0.6


def test_beats_non_contextual_thompson_on_the_same_visitors(runs):
    # Same visitors and click draws for both. On seeds 1-3 BetaThompson got 0.43, 0.37, 0.85; where one
    # variant is best for nearly everyone (seed 9: 0.96 vs 0.95) the gap is small, so only a win is asserted.
    assert runs["contextual"].share > runs["thompson"].share


def test_every_distribution_is_exact_and_keeps_the_floor(runs):
    for distributions in (runs["contextual"].raw, runs["contextual"].shown):
        assert (distributions >= 0).all()
        np.testing.assert_allclose(distributions.sum(axis=1), 1.0, atol=1e-12)
    assert runs["contextual"].shown.min() >= FLOOR / len(VARIANTS) - 1e-15


def logged(seed: int, impressions: int, variants: list[str] = VARIANTS) -> list[tuple[str, tuple[str, ...], float]]:
    """A log of uniformly chosen variants and their clicks, the kind snapshots and replay feed back in."""
    seen = traffic(seed, impressions)
    chosen = np.random.default_rng(seed + 2).integers(len(variants), size=impressions)
    return [(variants[c], f, float(seen.clicks[t, c])) for t, (c, f) in enumerate(zip(chosen, seen.features))]


@pytest.fixture(scope="module")
def log() -> list[tuple[str, tuple[str, ...], float]]:
    return logged(seed=5, impressions=3000)


@pytest.fixture(scope="module")
def contexts() -> list[tuple[str, ...]]:
    return traffic(seed=6, impressions=200).features


def trained(log, seed: int = 0, **settings) -> LinearThompson:
    policy = LinearThompson(seed=seed, **settings)
    for variant, features, reward in log:
        policy.update(variant, features, reward)
    policy.refresh()
    return policy


def test_the_order_of_updates_does_not_change_what_the_lasting_fit_learns(log, contexts):
    # the lasting fit alone (memory=None): a fit that forgets weighs recent updates more, by design
    in_order = trained(log, memory=None)
    shuffled = trained([log[i] for i in np.random.default_rng(9).permutation(len(log))], memory=None)
    assert list(in_order.state()["vocabulary"]) != list(shuffled.state()["vocabulary"])  # the check has teeth
    for features in contexts:
        np.testing.assert_allclose(
            shuffled.expected_rewards(VARIANTS, features), in_order.expected_rewards(VARIANTS, features), atol=1e-9)


def test_a_snapshot_restores_the_same_policy(log, contexts):
    original = trained(log, seed=4)
    restored = LinearThompson(seed=4)
    restored.load_state(json.loads(json.dumps(original.state())))  # snapshots travel as JSON
    for features in contexts:
        expected = original.expected_rewards(VARIANTS, features)
        assert np.array_equal(restored.expected_rewards(VARIANTS, features), expected)
    for features in contexts[:50]:  # both rngs start from seed 4: the same draws, the same distribution
        assert np.array_equal(restored.probabilities(VARIANTS, features), original.probabilities(VARIANTS, features))


def test_a_restored_policy_keeps_learning_like_the_original(log, contexts):
    original = trained(log[:2000])
    restored = LinearThompson()
    restored.load_state(json.loads(json.dumps(original.state())))
    for t, (variant, features, reward) in enumerate(log[2000:]):
        extra = (*features, f"campaign={t % 40}")  # new features grow the matrices after the restore
        original.update(variant, extra, reward)
        restored.update(variant, extra, reward)
    original.refresh()
    restored.refresh()
    for features in contexts:
        np.testing.assert_allclose(
            restored.expected_rewards(VARIANTS, features), original.expected_rewards(VARIANTS, features), atol=1e-9)


def test_a_variant_never_seen_still_gets_traffic(log, contexts):
    known = VARIANTS[:3]
    policy = trained([row for row in log if row[0] in known])
    raw = np.array([policy.probabilities(VARIANTS, features) for features in contexts])
    # what decide logs: the floor guarantees every variant floor / K, whatever the policy says
    assert (np.array([with_floor(r, FLOOR) for r in raw])[:, 3] >= FLOOR / len(VARIANTS)).all()
    # the policy itself explores it from its prior. Tolerance: its mean share over these 200 contexts is 0.06
    # (0-0.36 per context; 0.23 before the priors were tightened); 0.03 is far outside the draw noise of 200 x 256
    # draws, and a prior that stopped exploring gives 0
    assert raw[:, 3].mean() >= 0.03
    assert policy.expected_rewards(VARIANTS, contexts[0])[3] == 0.0  # nothing learned yet: the prior mean


def test_features_beyond_max_features_are_ignored():
    policy = LinearThompson(max_features=20, seed=0)  # past the initial capacity of 16, so it grows once
    rng = np.random.default_rng(0)
    for _ in range(300):
        features = ("bias", *(f"f{i}" for i in rng.choice(50, size=8, replace=False)))
        policy.update(str(rng.choice(["a", "b"])), features, float(rng.random() < 0.3))
    policy.refresh()
    state = policy.state()
    assert len(state["vocabulary"]) == 20
    assert np.array(state["arms"]["a"]["evidence"]).shape == (20, 20)
    kept = tuple(state["vocabulary"])
    ignored = tuple(f"f{i}" for i in range(50) if f"f{i}" not in kept)
    expected = policy.expected_rewards(["a", "b"], kept)
    assert np.array_equal(policy.expected_rewards(["a", "b"], kept + ignored), expected)
    probabilities = policy.probabilities(["a", "b"], kept + ignored)
    assert probabilities.sum() == pytest.approx(1.0) and (probabilities >= 0).all()


def test_after_a_change_of_tastes_the_recent_fit_takes_over():
    # Every visitor liked "a", then every visitor likes "b": the fit that keeps everything still favours "a"
    # after 6,000 updates of the new tastes; the recent fit (memory 2,000) has forgotten enough to prefer "b",
    # and its predictions have been better since, so it is the one published. Deterministic: no draws involved.
    policy = LinearThompson(seed=0)
    lasting = LinearThompson(seed=0, memory=None)
    features = ("bias", "device=mobile")
    for liked, updates in (("a", 20_000), ("b", 6_000)):
        for t in range(updates):
            variant = ("a", "b")[t % 2]
            for p in (policy, lasting):
                p.update(variant, features, float(variant == liked))
    policy.refresh()
    lasting.refresh()
    assert lasting.expected_rewards(["a", "b"], features).argmax() == 0
    assert policy.expected_rewards(["a", "b"], features).argmax() == 1


def test_a_change_of_tastes_restarts_the_lasting_fit_and_steady_tastes_never_do():
    # Clicks are noisy (60 % for the liked variant, 40 % for the other), so both fits make errors. While tastes
    # hold, the fit that keeps everything predicts at least as well and keeps every update; once they flip, the
    # recent fit predicts clearly better and the lasting one restarts from it instead of carrying the old tastes.
    rng = np.random.default_rng(11)
    policy = LinearThompson(seed=0)
    features = ("bias", "device=mobile")

    def run(liked: str, updates: int) -> None:
        for t in range(updates):
            variant = ("a", "b")[t % 2]
            policy.update(variant, features, float(rng.random() < (0.6 if variant == liked else 0.4)))

    def kept() -> float:
        return sum(arm["count"] for arm in policy.state()["arms"].values())

    run("a", 20_000)
    assert kept() == pytest.approx(20_000)
    run("b", 6_000)
    assert kept() < 10_000  # restarted after the change: only recent, faded evidence remains
    policy.refresh()
    assert policy.expected_rewards(["a", "b"], features).argmax() == 1


def test_a_snapshot_mid_stream_continues_exactly_like_an_uninterrupted_run(log, contexts):
    uninterrupted = trained(log)
    restored = LinearThompson()
    restored.load_state(json.loads(json.dumps(trained(log[:1234]).state())))
    for variant, features, reward in log[1234:]:
        restored.update(variant, features, reward)
    restored.refresh()
    assert restored.state() == uninterrupted.state()  # fading weights, judging fits and errors included
