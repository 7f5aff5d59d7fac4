"""OnlineLearner: each seen decision trains its block's policy once, with the reward its site defines."""

from __future__ import annotations

import json

import pytest

from online_learning.join import PendingDecision, RewardJoin
from online_learning.learner import OnlineLearner
from online_learning.policies import LinearThompson
from online_learning.reward import RewardWeights
from tests.online_learning.simulated_log import TTL_MS, replay, simulated_log

WEIGHTS = {
    "pk_a": RewardWeights(),
    "pk_b": RewardWeights(click=3.0, thumbs_up=2.0, thumbs_down=-4.0, stars=2.0, dismiss=-1.0, default=0.1),
}


class Site:
    """Two sites with one contextual block each; rewards are read back from the policies' own statistics."""

    def __init__(self, *, ttl_ms: int = TTL_MS) -> None:
        self.policies = {"pk_a/hero": LinearThompson(), "pk_b/hero": LinearThompson()}
        self.learner = OnlineLearner(policy_for=lambda site, block: self.policies.get(f"{site}/{block}"),
                                     weights_for=WEIGHTS.__getitem__, join=RewardJoin(decision_ttl_ms=ttl_ms))

    def decide(self, decision_id: str, site: str = "pk_b", *, feedback: str = "thumbs", at: int = 0) -> None:
        self.learner.add_decision(PendingDecision(decision_id, site, "hero", "v1", ("bias",), decided_at=at,
                                                  window_ms=1_000, feedback=feedback))

    def rewards(self, site: str = "pk_b") -> tuple[int, float]:
        """How many updates the block's policy got and the sum of their rewards."""
        arms = self.policies[f"{site}/hero"].state()["arms"]
        return (arms["v1"]["count"], arms["v1"]["targets"][0]) if "v1" in arms else (0, 0.0)


def test_a_seen_decision_trains_its_blocks_policy_once():
    site = Site()
    site.decide("d1", "pk_a")
    site.learner.add_event("d1", "impression", None, at=10)
    site.learner.add_event("d1", "impression", None, at=20)  # the widget re-sent it
    site.learner.add_event("d1", "click", None, at=30)
    site.learner.advance(2_000)
    site.learner.add_event("d1", "impression", None, at=2_100)
    site.learner.advance(10_000)
    assert site.learner.learned == 1
    assert site.rewards("pk_a") == (1, 1.0)
    assert site.rewards("pk_b") == (0, 0.0)  # the other site's block is untouched


def test_an_unseen_decision_never_trains_the_policy():
    site = Site()
    site.decide("d1")
    site.learner.add_event("d1", "click", None, at=30)
    site.learner.advance(TTL_MS * 2)
    assert site.learner.learned == 0 and site.rewards() == (0, 0.0)


def test_the_ttl_of_the_join_it_was_given_applies():
    site = Site(ttl_ms=5_000)
    site.decide("d1")
    site.learner.advance(5_000)
    assert len(site.learner.join) == 0  # dropped after the 5 s TTL it was configured with, not the default 30 min


@pytest.mark.parametrize(("events", "reward"), [
    ([], 0.1),  # nothing followed: the site's default
    ([("click", None)], 3.0),
    ([("click", None), ("dismiss", None)], 2.0),
    ([("rating", 1)], 2.0),
    ([("rating", -1)], -4.0),
    ([("click", None), ("rating", -1)], -1.0),
])
def test_the_reward_uses_the_sites_weights(events, reward):
    site = Site()
    site.decide("d1")
    site.learner.add_event("d1", "impression", None, at=10)
    for kind, value in events:
        site.learner.add_event("d1", kind, value, at=20)
    site.learner.advance(2_000)
    assert site.rewards() == (1, pytest.approx(reward))


@pytest.mark.parametrize(("stars", "reward"), [(1, -2.0), (2, -1.0), (3, 0.0), (4, 1.0), (5, 2.0)])
def test_stars_count_from_minus_to_plus_the_stars_weight(stars, reward):
    site = Site()
    site.decide("d1", feedback="stars")
    site.learner.add_event("d1", "impression", None, at=10)
    site.learner.add_event("d1", "rating", stars, at=20)  # closes the window: learned now
    assert site.rewards() == (1, pytest.approx(reward))


def test_a_decision_for_a_removed_block_is_skipped():
    site = Site()
    site.learner.add_decision(PendingDecision("d1", "pk_b", "gone", "v1", ("bias",), decided_at=0, window_ms=1_000))
    site.learner.add_event("d1", "impression", None, at=10)
    site.learner.advance(2_000)
    assert site.learner.learned == 0 and len(site.learner.join) == 0


def test_a_snapshot_mid_stream_ends_in_the_same_policies_as_an_uninterrupted_run():
    rows = simulated_log(seed=3)
    uninterrupted = Site()
    for _ in replay(uninterrupted.learner, rows):
        pass
    assert uninterrupted.learner.learned > 250

    cut = len(rows) // 2
    before = Site()
    for _ in replay(before.learner, rows[:cut]):
        pass
    snapshot = json.loads(json.dumps(before.learner.state(before.policies)))
    after = Site()
    after.learner.load_state(snapshot, after.policies)
    for _ in replay(after.learner, rows[cut:]):
        pass
    assert after.learner.learned == uninterrupted.learner.learned
    for key, policy in uninterrupted.policies.items():
        assert after.policies[key].state() == policy.state()
