"""Events from strangers: only a decision's own site teaches its policy, floods wait, nothing honest is lost."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from server.admin.reporting.results import block_results
from server.storage.event_log import EventLog
from server.storage.rows import DecisionRow, EventRow, new_decision_id
from server.storage.writer import GroupCommitWriter
from tests.server.conftest import TEST_CONFIG
from tests.support.inprocess import attune, run_coroutine


def new_id() -> str:
    return uuid.uuid4().hex


def decide(app, site="pk_test", block="hero", visitor="visitor-0001") -> str:
    response = app.client.post("/v1/decide", json={"site": site, "blocks": [block], "visitor": visitor})
    assert response.status_code == 200, response.text
    return response.json()["decisions"][0]["decision_id"]


def send(app, events, site="pk_test", visitor="visitor-0001", status=202) -> dict:
    response = app.client.post("/v1/events", json={"site": site, "visitor": visitor, "events": events})
    assert response.status_code == status, response.text
    return response.json()


def seen_and_rated(decision_id: str, rating: int = 1) -> list[dict]:
    return [{"id": new_id(), "type": "impression", "decision_id": decision_id},
            {"id": new_id(), "type": "rating", "decision_id": decision_id, "value": rating}]


@pytest.fixture
def app(tmp_path):
    with attune(tmp_path / "data", config=TEST_CONFIG, events_per_address=0, events_per_visitor=0) as running:
        yield running


def test_events_for_another_sites_decision_are_unmatched_never_learned_or_counted(app):
    theirs = decide(app, site="pk_holdout")
    answer = send(app, seen_and_rated(theirs), site="pk_test")
    assert answer == {"accepted": 0, "duplicates": 0, "unmatched": 2, "warnings": []}
    health = app.health()
    assert health["learned"] == 0 and health["unseen"] == 1  # still waiting for its own site's impression
    site = app.runtime.sites.site("pk_holdout")
    with app.runtime.event_log.cursor() as cursor:
        results = block_results(cursor, site=site, block=site.blocks[0])
    assert sum(v.impressions for v in results.variants) == 0

    assert send(app, seen_and_rated(theirs), site="pk_holdout")["accepted"] == 2  # its own site: learned
    assert app.health()["learned"] == 1


def test_events_for_unknown_decisions_are_unmatched_and_not_stored(app):
    made_up = [new_decision_id(1_764_000_000_000), "0" * 32, "not-even-hex"]
    events = [{"id": new_id(), "type": "click", "decision_id": d} for d in made_up]
    assert send(app, events)["unmatched"] == 3
    with app.runtime.event_log.cursor() as cursor:
        assert cursor.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    assert app.health()["learned"] == 0


def test_a_decision_not_yet_committed_counts_as_known(app):
    """The events call follows the decide call at once, while the decision may still wait for its commit."""
    for _ in range(20):
        decision_id = decide(app)
        assert send(app, seen_and_rated(decision_id))["accepted"] == 2


def test_an_old_decision_is_found_in_the_log(app, monkeypatch):
    """Out of the learner and the writer's memory, a late rating still finds its decision (and its site)."""
    decision_id = decide(app)
    send(app, seen_and_rated(decision_id))
    app.health()
    assert app.runtime.learner.learner.join.site_of(decision_id) is None  # learned: the join let it go
    monkeypatch.setattr("server.storage.decision_sites.RECENT_S", 0.0)
    decide(app)  # a commit that forgets what the writer remembered
    app.health()
    late = [{"id": new_id(), "type": "rating", "decision_id": decision_id, "value": -1}]
    assert send(app, late) == {"accepted": 1, "duplicates": 0, "unmatched": 0, "warnings": []}
    assert send(app, late, site="pk_holdout")["unmatched"] == 1


def test_only_the_first_rating_of_a_decision_teaches_the_policy(app):
    decision_id = decide(app, block="recs")
    events = [{"id": new_id(), "type": "rating", "decision_id": decision_id, "value": -1}]
    events += [{"id": new_id(), "type": "rating", "decision_id": decision_id, "value": 1} for _ in range(30)]
    events += [{"id": new_id(), "type": "click", "decision_id": decision_id} for _ in range(30)]
    events += [{"id": new_id(), "type": "impression", "decision_id": decision_id}]
    assert send(app, events)["accepted"] == 62
    assert app.health()["learned"] == 1
    policy = app.runtime.sites.policy_for("pk_test", "recs")
    state = policy.state()
    assert sum(a + b for a, b in state.values()) == 2 * len(state) + 1  # one update over the Beta(1, 1) priors
    learned = next(v for v, (a, b) in state.items() if a + b == 3)
    assert state[learned] == [1, 2]  # the first rating, a thumbs down: one failure, not 30 successes


def test_a_timestamp_far_from_the_servers_clock_is_replaced_with_a_warning(app):
    events = [{"id": new_id(), "type": "error", "ts": 2**63}, {"id": new_id(), "type": "timing", "value": 5, "ts": 0},
              {"id": new_id(), "type": "timing", "value": 5}]
    answer = send(app, events)
    assert answer["accepted"] == 3
    assert answer["warnings"] == [f"events[{i}].ts: more than a day from the server's clock; the server's time was stored"
                                  for i in (0, 1)]
    with app.runtime.event_log.cursor() as cursor:
        stamps = dict(cursor.execute("SELECT id, coalesce(ts = received_at, false) FROM events").fetchall())
    assert [stamps[e["id"]] for e in events] == [True, True, False]  # the third sent none: none is stored


def test_pending_decisions_are_bounded_per_site_oldest_unseen_first(tmp_path):
    with attune(tmp_path / "data", config=TEST_CONFIG, max_pending_per_site=50, events_per_address=0) as app:
        first = decide(app)
        send(app, [{"id": new_id(), "type": "impression", "decision_id": first}])  # seen: not dropped
        ids = [decide(app) for _ in range(80)]
        theirs = decide(app, site="pk_holdout")
        health = app.health()
        assert (health["unseen"], health["dropped_unseen"]) == (51, 30), health  # 50 of pk_test, 1 of pk_holdout
        join = app.runtime.learner.learner.join
        assert join.get(first) is not None and join.get(theirs) is not None
        assert [join.get(i) is not None for i in ids] == [False] * 30 + [True] * 50


def test_events_beyond_the_rate_limit_get_429_with_retry_after(tmp_path):
    with attune(tmp_path / "data", config=TEST_CONFIG, events_per_visitor=2, events_per_address=10) as app:
        now = [0.0]
        app.runtime.event_rate_limit.clock = lambda: now[0]

        def timing(n: int) -> list[dict]:
            return [{"id": new_id(), "type": "timing", "value": 1} for _ in range(n)]

        assert send(app, timing(20))["accepted"] == 20  # a burst of ten seconds' worth passes
        response = app.client.post("/v1/events", json={"site": "pk_test", "visitor": "visitor-0001", "events": timing(1)})
        assert response.status_code == 429
        assert response.headers["retry-after"] == "1" and "retry in 1 s" in response.json()["detail"]
        assert send(app, timing(1), visitor="visitor-0002")["accepted"] == 1  # another visitor is not held back
        for n in range(7):
            send(app, timing(10), visitor=f"rotating-{n:04d}")
        response = app.client.post("/v1/events", json={"site": "pk_test", "visitor": "rotating-9999", "events": timing(10)})
        assert response.status_code == 429  # new visitor ids do not escape the address's limit (9 tokens left)
        now[0] = 0.1
        send(app, timing(10), visitor="rotating-9999")  # a tenth of a second at 10/s refilled the one it lacked
        assert app.health()["refused_events"] == 11


def test_one_bad_row_in_a_group_costs_only_itself(tmp_path):
    """Rows the log cannot take (here an int64 overflow, bypassing the API's checks) are refused alone."""
    log = EventLog(tmp_path / "log.duckdb")
    committed = []
    writer = GroupCommitWriter(log, on_commit=lambda d, e: committed.append((d, e)))
    writer.start()
    decisions = [DecisionRow(decision_id=new_decision_id(1_764_000_000_000 + i), site="pk", block="b", variant="v",
                             candidates=["v"], propensity=1.0, policy="uniform", policy_version=0, context="{}",
                             explored=False, holdout=False, reason="only_option", visitor=None, window_ms=1000,
                             feedback=None, decided_at=1_764_000_000_000 + i) for i in range(40)]

    def event(i: int, ts: int | None = None) -> EventRow:
        return EventRow(id=f"event-{i:04d}", site="pk", visitor=None, type="impression",
                        decision_id=decisions[i].decision_id, value=None, ts=ts, received_at=1_764_000_000_100)

    async def clients():
        for row in decisions:
            writer.log_decision(row)
        honest = [writer.store_events([event(i), event(i + 20)]) for i in range(19)]
        bad = writer.store_events([event(19), event(39, ts=2**63)])
        return await asyncio.gather(*honest, bad)

    answers = run_coroutine(clients())
    writer.stop()
    assert [a.accepted for a in answers] == [2] * 19 + [1]
    assert answers[-1].refused == (1,)
    assert writer.refused_rows == 1
    with log.cursor() as cursor:
        assert cursor.execute("SELECT count(*) FROM decisions").fetchone()[0] == 40
        assert cursor.execute("SELECT count(*) FROM events").fetchone()[0] == 39
    assert sum(len(d) for d, _ in committed) == 40 and sum(len(e) for _, e in committed) == 39
    log.close()
