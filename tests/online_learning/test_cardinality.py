"""A page field with 10,000 distinct paths: the contextual policy's memory stays bounded, its vocabulary is a
deterministic function of the updates, explanations name only real values, and snapshots round-trip."""

from __future__ import annotations

import json

import numpy as np
import orjson
import pytest

from online_learning.features import OTHER, context_features, describe_feature
from online_learning.policies import LinearThompson
from server.decide.explain import for_choice
from tests.bench.cardinality import VARIANTS, stream

PATHS, IMPRESSIONS = 10_000, 20_000  # half the visits cycle through the rare paths: all 10,000 appear


@pytest.fixture(scope="module")
def seen():
    return stream(seed=4, paths=PATHS, impressions=IMPRESSIONS, signal=0.9)


def log(seen, count: int = IMPRESSIONS) -> list[tuple[str, tuple[str, ...], float]]:
    chosen = np.random.default_rng(8).integers(len(VARIANTS), size=count)
    return [(VARIANTS[c], seen.with_page[t], float(seen.clicks[t, c])) for t, c in enumerate(chosen)]


def trained(rows, **settings) -> LinearThompson:
    policy = LinearThompson(seed=2, **settings)
    for variant, features, reward in rows:
        policy.update(variant, features, reward)
    policy.refresh()
    return policy


@pytest.fixture(scope="module")
def capped(seen) -> LinearThompson:
    return trained(log(seen))


def test_ten_thousand_paths_stay_within_the_stated_bound(seen, capped):
    assert len({f for features in seen.with_page for f in features if f.startswith("page=") and "&" not in f}) == PATHS
    state = capped.state()
    pages = [f for f in state["vocabulary"] if "page=" in f]
    # the bound: at most values_per_field (48) paths by name plus page=(other), and no pair with the page
    assert len(pages) <= 48 + 1 and f"page={OTHER}" in pages and not [f for f in pages if "&" in f]
    assert len(state["fields"]["page"]["counts"]) <= 256  # the heavy-hitter table, not a count per path
    without_page = trained([(v, tuple(f for f in fs if "page=" not in f), r) for v, fs, r in log(seen)])
    assert len(state["vocabulary"]) <= len(without_page.state()["vocabulary"]) + 49
    # every value: the old first-come cap fills all 512 places, mostly with rare paths and their pairs
    assert len(trained(log(seen, 4000), values_per_field=None).state()["vocabulary"]) == 512
    assert len(orjson.dumps(state)) < 4 * 2**20  # 4 variants, two fits of ~150 features (every value: ~10 MB)


def test_the_popular_paths_get_features_of_their_own(capped):
    values = capped.state()["fields"]["page"]["values"]
    assert {"/", "/shop", "/blog", "/deals", "/account"} <= set(values)


def test_the_same_stream_builds_the_same_vocabulary_and_state(seen, capped):
    assert trained(log(seen)).state() == capped.state()


def test_a_snapshot_mid_stream_then_a_replay_of_the_rest_ends_in_the_same_state(seen, capped):
    rows = log(seen)
    restored = LinearThompson(seed=2)
    restored.load_state(json.loads(json.dumps(trained(rows[:7_777]).state())))  # page is wide, counting
    for variant, features, reward in rows[7_777:]:
        restored.update(variant, features, reward)
    restored.refresh()
    assert restored.state() == capped.state()
    for features in seen.with_page[:200]:  # same seed, same draws: the same distributions
        assert np.array_equal(restored.probabilities(VARIANTS, features), capped.probabilities(VARIANTS, features))


def test_a_snapshot_from_before_the_cap_loads_and_drops_the_pairs_of_the_wide_field(seen):
    old = trained(log(seen, 3000), values_per_field=None).state()
    assert "fields" not in old  # as every snapshot written before the cap
    policy = LinearThompson(seed=2)
    policy.load_state(json.loads(json.dumps(old)))
    vocabulary = policy.state()["vocabulary"]
    assert not [f for f in vocabulary if "&" in f and "page=" in f]
    assert all(f in old["vocabulary"] for f in vocabulary)  # what it learned of the rest is kept
    probabilities = policy.probabilities(VARIANTS, seen.with_page[-1])
    assert probabilities.sum() == pytest.approx(1.0) and (probabilities >= 0).all()


def test_a_rare_path_is_never_named_as_if_it_were_the_visitors_value(seen, capped):
    admitted = set(capped.state()["fields"]["page"]["values"])
    rare = [f for f in seen.with_page if next(f_ for f_ in f if f_.startswith("page=")).removeprefix("page=")
            not in admitted][:200]
    assert rare
    for features in rare:
        for variant in VARIANTS:
            named = [f for f, _ in capped.contributions(variant, features)]
            assert not [f for f in named if OTHER in f or "/articles/" in f]
            why = for_choice(policy="contextual", explored=False, personalized=True,
                             contributions=capped.contributions(variant, features), rule=None)
            assert OTHER not in why.summary and "/articles/" not in why.summary
            assert all(field.value != OTHER for factor in why.factors for field in factor.fields)
    # the model does use the shared value, and where it is said it is said as what it is
    assert f"page={OTHER}" in capped.state()["vocabulary"]
    assert describe_feature(f"page={OTHER}") == "you are on a page other than our most visited ones"
    assert OTHER not in describe_feature(f"campaign={OTHER}")


def test_an_admitted_path_is_explained_by_its_real_value(capped):
    features = context_features({"device": "mobile", "page": "/deals"})
    named = [f for variant in VARIANTS for f, _ in capped.contributions(variant, features)]
    assert "page=/deals" in named


def test_fields_with_few_values_are_learned_exactly_as_before():
    # the project's simulator (six fields of 2-5 values): identical to the policy without the cap, draw for draw
    from tests.online_learning.test_linear_thompson import logged
    rows = logged(seed=7, impressions=1500)
    capped, every = trained(rows), trained(rows, values_per_field=None)
    assert {k: v for k, v in capped.state().items() if k != "fields"} == every.state()
    for _, features, _ in rows[:100]:
        assert np.array_equal(capped.probabilities(VARIANTS, features), every.probabilities(VARIANTS, features))
