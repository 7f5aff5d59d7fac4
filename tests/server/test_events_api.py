"""POST /v1/events: durable acknowledgement, idempotency, learning, rated-down variants, CORS.

Tests that count what was learned have an Attune of their own (`own`), in this process, whose learner's clock
the test moves: a reward window closes when the test says so, not after a sleep, and no other test's decisions
are counted.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.server.conftest import TEST_CONFIG, decide, new_id, send
from tests.support.inprocess import attune


@pytest.fixture
def own(tmp_path):
    with attune(tmp_path / "data", config=TEST_CONFIG) as running:
        yield running


def test_repeated_event_ids_are_counted_as_duplicates_and_ignored(client):
    (hero,) = decide(client, ["hero"])
    impression = {"id": new_id(), "type": "impression", "decision_id": hero["decision_id"]}
    assert send(client, [impression]) == {"accepted": 1, "duplicates": 0, "unmatched": 0, "warnings": []}
    assert send(client, [impression, impression]) == {"accepted": 0, "duplicates": 2, "unmatched": 0, "warnings": []}


def test_an_impression_is_learned_once_after_its_window_and_a_rating_closes_it_early(own):
    own.stop_clock()
    hero, recs = decide(own.client, ["hero", "recs"], visitor=new_id())
    send(own.client, [
        {"id": new_id(), "type": "impression", "decision_id": hero["decision_id"]},
        {"id": new_id(), "type": "impression", "decision_id": hero["decision_id"]},  # seen twice: learned once
        {"id": new_id(), "type": "impression", "decision_id": recs["decision_id"]},
        {"id": new_id(), "type": "rating", "decision_id": recs["decision_id"], "value": 5},
    ])
    assert own.health()["learned"] == 1  # the rating closed recs at once
    own.pass_time(0.9)
    assert own.health()["learned"] == 1  # hero's window (1 s from its impression) is still open
    own.pass_time(1.0)
    health = own.health()
    assert (health["learned"], health["pending"]) == (2, 0)  # closed: hero learned, once
    own.pass_time(60)
    assert own.health()["learned"] == 2


def test_a_decision_never_seen_is_never_learned(own):
    own.stop_clock()
    (hero,) = decide(own.client, ["hero"])
    send(own.client, [{"id": new_id(), "type": "click", "decision_id": hero["decision_id"]}])
    own.pass_time(2)  # a window would have closed by now, had it opened
    assert own.health()["learned"] == 0 and own.health()["unseen"] == 1
    own.pass_time(31 * 60)  # unseen for longer than 30 minutes: let go, never learned
    health = own.health()
    assert (health["learned"], health["unseen"], health["pending"]) == (0, 0, 0)


def test_a_variant_rated_down_is_not_shown_to_that_visitor_again(app, client):
    visitor = new_id()
    (tip,) = decide(client, ["tips"], visitor=visitor)
    send(client, [
        {"id": new_id(), "type": "impression", "decision_id": tip["decision_id"]},
        {"id": new_id(), "type": "rating", "decision_id": tip["decision_id"], "value": -1},
    ], visitor=visitor)
    app.settle()  # the learner has read the rating
    shown = Counter(decide(client, ["tips"], visitor=visitor)[0]["variant"] for _ in range(60))
    assert tip["variant"] not in shown and len(shown) == 2  # uniform policy: P(one of two unseen in 60) < 1e-17
    others = Counter(decide(client, ["tips"], visitor=new_id())[0]["variant"] for _ in range(60))
    assert others[tip["variant"]] > 0  # only that visitor is spared it (P(miss) < 1e-10)


def test_clicks_teach_the_contextual_policy_what_mobile_visitors_want(own):
    """Every mobile visitor clicks 'story' and nothing else; within a few hundred visits it leads for mobile."""
    mobile = {"device": "mobile", "referrer": "ads"}
    for _ in range(6):
        events = []
        for _ in range(50):
            (hero,) = decide(own.client, ["hero"], visitor=new_id(), context=mobile)
            events.append({"id": new_id(), "type": "impression", "decision_id": hero["decision_id"]})
            if hero["variant"] == "story":
                events.append({"id": new_id(), "type": "click", "decision_id": hero["decision_id"]})
        send(own.client, events)
    own.pass_time(1.5)  # every reward window (one second) closes
    assert own.health()["learned"] == 300
    own.refreshed()
    answers = [decide(own.client, ["hero"], visitor=new_id(), context=mobile)[0] for _ in range(100)]
    shown = Counter(hero["variant"] for hero in answers)
    assert shown["story"] >= 70, shown  # untrained it would be ~25; learned, Thompson draws keep a little spread
    chosen_by_the_model = [hero["explain"] for hero in answers if hero["explain"]["reason"] == "model"]
    # learned, the model is sure of story: 96-100 of 100 in six runs, the rest the exploration floor's
    assert len(chosen_by_the_model) >= 50, Counter(hero["explain"]["reason"] for hero in answers)
    mobile_features = {"bias", "device=mobile", "referrer=ads", "device=mobile&referrer=ads"}
    for explain in chosen_by_the_model:  # the model says what it used: only what this visitor sent, weighted up
        assert explain["factors"] and {f["feature"] for f in explain["factors"]} <= mobile_features, explain
        assert all(f["weight"] > 0 for f in explain["factors"]), explain
    assert any(f["feature"] != "bias" for e in chosen_by_the_model for f in e["factors"])  # mobile, not just "most"


def test_cors_answers_only_the_sites_allowed_origins(client):
    body = {"site": "pk_test", "blocks": ["hero"]}
    allowed = client.post("/v1/decide", json=body, headers={"origin": "https://shop.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    denied = client.post("/v1/decide", json=body, headers={"origin": "https://evil.example"})
    assert denied.status_code == 403 and "evil.example" in denied.json()["detail"]
    assert "access-control-allow-origin" not in denied.headers
    preflight = client.options("/v1/events", headers={
        "origin": "https://shop.example", "access-control-request-method": "POST"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://shop.example"
    assert client.options("/v1/events", headers={"origin": "https://evil.example"}).status_code == 403
