"""The reward join: a decision is learned once, only after it was seen, with what followed in its window."""

from __future__ import annotations

import json

from online_learning.join import PendingDecision, RewardJoin
from tests.online_learning.simulated_log import TTL_MS, replay, simulated_log

WINDOW = 1_000


def decision(decision_id: str = "d1", *, decided_at: int = 0, feedback: str | None = "thumbs") -> PendingDecision:
    return PendingDecision(decision_id, "pk_a", "hero", "v2", ("bias",), decided_at=decided_at, window_ms=WINDOW,
                           feedback=feedback)


def closed(results) -> list[PendingDecision]:
    return [d for batch in results if batch for d in batch]


def test_nothing_is_learned_before_the_impression():
    join = RewardJoin(decision_ttl_ms=TTL_MS)
    join.add_decision(decision())
    assert join.add_event("d1", "click", None, at=10) == []
    assert join.advance(5 * WINDOW) == []  # well past a window, but never seen
    assert len(join) == 1
    assert join.add_event("d1", "impression", None, at=6_000) == []
    assert join.advance(6_000 + WINDOW - 1) == []
    [learned] = join.advance(6_000 + WINDOW)
    assert learned.decision_id == "d1" and learned.impression_at == 6_000
    assert learned.outcome.clicked  # the click came before the impression and still counts


def test_a_decision_is_learned_exactly_once():
    join = RewardJoin(decision_ttl_ms=TTL_MS)
    join.add_decision(decision())
    join.add_event("d1", "impression", None, at=100)
    assert len(join.advance(100 + WINDOW)) == 1
    assert join.advance(TTL_MS * 2) == []
    assert join.add_event("d1", "impression", None, at=TTL_MS * 2) == []
    assert join.add_event("d1", "rating", 1, at=TTL_MS * 2) == []
    assert join.advance(TTL_MS * 3) == [] and len(join) == 0


def test_a_second_impression_neither_learns_twice_nor_extends_the_window():
    join = RewardJoin(decision_ttl_ms=TTL_MS)
    join.add_decision(decision())
    join.add_event("d1", "impression", None, at=100)
    join.add_event("d1", "impression", None, at=600)
    assert join.get("d1").impression_at == 100
    assert len(join.advance(100 + WINDOW)) == 1  # the window runs from the first impression
    assert join.advance(600 + WINDOW) == []


def test_a_rating_closes_the_window_early():
    join = RewardJoin(decision_ttl_ms=TTL_MS)
    join.add_decision(decision())
    join.add_event("d1", "impression", None, at=100)
    join.add_event("d1", "click", None, at=150)
    [learned] = join.add_event("d1", "rating", -1, at=200)
    assert (learned.outcome.clicked, learned.outcome.thumbs) == (True, -1)
    assert join.advance(100 + WINDOW) == []  # not learned a second time when the window would have closed


def test_a_rating_before_the_impression_counts_and_closes_the_window_at_the_impression():
    join = RewardJoin(decision_ttl_ms=TTL_MS)
    join.add_decision(decision(feedback="stars"))
    assert join.add_event("d1", "rating", 4, at=50) == []  # not seen yet: not learned
    [learned] = join.add_event("d1", "impression", None, at=80)
    assert learned.outcome.stars == 4


def test_events_after_the_window_do_not_count():
    join = RewardJoin(decision_ttl_ms=TTL_MS)
    join.add_decision(decision())
    join.add_event("d1", "impression", None, at=100)
    join.add_event("d1", "dismiss", None, at=500)
    [learned] = join.advance(100 + WINDOW)
    join.add_event("d1", "click", None, at=100 + WINDOW + 1)
    assert learned.outcome.dismissed and not learned.outcome.clicked


def test_a_decision_never_seen_is_dropped_after_the_ttl_and_never_learned():
    join = RewardJoin(decision_ttl_ms=TTL_MS)
    join.add_decision(decision(decided_at=1_000))
    join.add_event("d1", "click", None, at=1_500)
    assert join.advance(1_000 + TTL_MS - 1) == [] and len(join) == 1
    assert join.advance(1_000 + TTL_MS) == [] and len(join) == 0
    assert join.add_event("d1", "impression", None, at=1_000 + TTL_MS + 1) == []  # too late
    assert join.advance(10 * TTL_MS) == []
    assert join.unmatched_events == 1


def test_a_seen_decision_is_not_dropped_by_the_ttl():
    join = RewardJoin(decision_ttl_ms=5_000)
    join.add_decision(PendingDecision("d1", "pk_a", "hero", "v2", ("bias",), decided_at=0, window_ms=8_000))
    join.add_event("d1", "impression", None, at=1_000)
    assert join.advance(5_000) == [] and len(join) == 1  # its window outlives the TTL
    assert len(join.advance(9_000)) == 1


def test_events_for_unknown_decisions_are_counted():
    join = RewardJoin(decision_ttl_ms=TTL_MS)
    join.add_decision(decision())
    assert join.add_event("nope", "click", None, at=10) == []
    assert join.add_event("nope", "impression", None, at=11) == []
    assert join.unmatched_events == 2
    assert len(join) == 1 and not join.get("d1").outcome.clicked


def test_the_simulated_log_exercises_every_path():
    rows = simulated_log(seed=1)
    join = RewardJoin(decision_ttl_ms=TTL_MS)
    learned = closed(replay(join, rows))
    assert 250 < len(learned) < 400  # about 0.8 of 400 are seen
    assert len({d.decision_id for d in learned}) == len(learned)  # each once
    assert all(d.impression_at is not None for d in learned)
    assert any(d.outcome.stars for d in learned) and any(d.outcome.thumbs for d in learned)
    assert join.unmatched_events > 0 and len(join) == 0


def test_a_snapshot_mid_stream_learns_the_same_examples_as_an_uninterrupted_run():
    rows = simulated_log(seed=2)
    uninterrupted = closed(replay(RewardJoin(decision_ttl_ms=TTL_MS), rows))

    for cut in (len(rows) // 3, len(rows) // 2):
        before = RewardJoin(decision_ttl_ms=TTL_MS)
        learned = closed(replay(before, rows[:cut]))
        snapshot = json.loads(json.dumps(before.state()))
        seen = [row[7] is not None for row in snapshot["rows"]]  # impression_at: the cut leaves both kinds pending
        assert any(seen) and not all(seen)
        after = RewardJoin(decision_ttl_ms=TTL_MS)
        after.load_state(snapshot)
        learned += closed(replay(after, rows[cut:]))
        assert learned == uninterrupted


def test_pending_decisions_are_not_tracked_by_the_garbage_collector():
    """A full collection pauses every request; it must not have to walk each of a million pending decisions."""
    import gc

    join = RewardJoin()
    for i in range(1000):
        join.add_decision(PendingDecision(f"d{i}", "pk_a", "hero", "v2", ("bias", "device=mobile"),
                                          decided_at=i, window_ms=WINDOW))
    join.add_event("d1", "impression", None, at=5)
    gc.collect()
    assert not any(gc.is_tracked(row) for row in join.state()["rows"])


def test_each_site_holds_at_most_its_bound_of_unseen_decisions_dropping_the_oldest():
    join = RewardJoin(decision_ttl_ms=TTL_MS, max_unseen_per_site=3)
    join.add_decision(decision("seen"))
    join.add_event("seen", "impression", None, at=1)
    for i in range(5):
        join.add_decision(decision(f"a{i}", decided_at=i))
    join.add_decision(PendingDecision("b0", "pk_b", "hero", "v2", ("bias",), decided_at=9, window_ms=WINDOW))
    assert [d for d in ("seen", "a0", "a1", "a2", "a3", "a4", "b0") if join.get(d)] == ["seen", "a2", "a3", "a4", "b0"]
    assert (join.unseen(), join.dropped_unseen) == (4, 2)
    join.add_event("a2", "impression", None, at=10)  # seen now: a new decision drops a3, not a2
    join.add_decision(decision("a5", decided_at=11))
    join.add_decision(decision("a6", decided_at=12))
    assert [d for d in ("a2", "a3", "a4", "a5", "a6") if join.get(d)] == ["a2", "a4", "a5", "a6"]
    assert (join.unseen(), join.dropped_unseen) == (4, 3)


def test_pending_decisions_with_equal_contexts_share_one_features_tuple():
    join = RewardJoin()
    for i in range(3):
        join.add_decision(PendingDecision(f"d{i}", "pk_a", "hero", "v2", tuple(["bias", "device=" + "mobile"]),
                                          decided_at=i, window_ms=WINDOW))
    rows = join.state()["rows"]
    assert rows[0][3] is rows[1][3] is rows[2][3]
