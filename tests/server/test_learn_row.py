"""learn_row: the one path from a logged row to learning, on the log's own clock."""

from __future__ import annotations

from online_learning.learner import OnlineLearner
from online_learning.policies import BetaThompson
from online_learning.reward import RewardWeights
from server.learner.learn import learn_row
from server.storage.rows import DecisionRow, EventRow

START = 1_760_000_000_000


def _decision(decision_id: str, *, site: str = "pk_a", at: int = START) -> DecisionRow:
    return DecisionRow(decision_id=decision_id, site=site, block="hero", variant="v1", candidates=["v1", "v2"],
                       propensity=0.5, policy="thompson", policy_version=0, context="{}", explored=False,
                       holdout=False, reason="model", visitor=None, window_ms=1_000, feedback="thumbs", decided_at=at)


def _event(decision_id: str, kind: str, *, at: int, site: str = "pk_a", value: float | None = None) -> EventRow:
    return EventRow(id=f"{decision_id}-{kind}-{at}", site=site, visitor=None, type=kind, decision_id=decision_id,
                    value=value, ts=None, received_at=at)


def _learner() -> tuple[OnlineLearner, list]:
    learned = []
    policy = BetaThompson(seed=0)
    return OnlineLearner(policy_for=lambda site, block: policy, weights_for=lambda site: RewardWeights(),
                         on_learn=lambda decision, earned: learned.append((decision.decision_id, earned))), learned


def test_a_click_at_the_closing_instant_counts_and_one_after_it_does_not():
    learner, learned = _learner()
    rows = [_decision("on-time"), _decision("late"),
            _event("on-time", "impression", at=START + 100), _event("late", "impression", at=START + 100),
            _event("on-time", "click", at=START + 1_100), _event("late", "click", at=START + 1_101)]
    for seq, row in enumerate(rows, start=1):
        row.seq = seq
        learn_row(learner, row)
    learner.advance(START + 10_000)
    assert sorted(learned) == [("late", 0.0), ("on-time", 1.0)]  # as results count it: clicked_at <= closes_at
    assert learner.last_seq == len(rows)


def test_an_event_sent_for_another_site_teaches_nothing():
    learner, learned = _learner()
    for row in [_decision("d1"), _event("d1", "impression", at=START + 10, site="pk_other"),
                _event("d1", "rating", at=START + 20, site="pk_other", value=1.0)]:
        learn_row(learner, row)
    learner.advance(START + 10 * 60_000)
    assert learned == [] and learner.join.foreign_events == 2
