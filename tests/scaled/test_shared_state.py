"""What edges share through Redis, seen from a visitor and an admin: one learner and two edges, each test sending
its requests to both. Admin edits reach every edge, a variant rated down at one edge is hidden at the other,
sticky decisions and first pages hold across edges, the event rate limit counts across edges, interests, profile
traits and behavioural counters reach every edge and go with an erasure, and with Redis stopped an edge still
answers from its own memory."""

from __future__ import annotations

import contextlib
import signal
import time
import uuid

import httpx
import pytest

from server.decide.service import visitor_hash
from tests.scaled.cluster import REDIS_SERVER, RedisServer, cluster, moved, scrape, value, wait_for
from tests.scaled.shared_site import SITE, Front, write_config
from tests.support.admin import FIRST_PASSWORD_ENV, PASSWORD, signed_in

EVENTS_PER_VISITOR = "0.5"  # 5 events per visitor in each 10 s window, counted over both edges


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not on PATH: ./dev test installs it (apt-get install redis-server)")
    directory = tmp_path_factory.mktemp("shared-state")
    redis_server = RedisServer(directory / "redis").start()
    learner, edges = cluster(directory, redis_server.url, edge_env={"ATTUNE_EVENTS_PER_VISITOR": EVENTS_PER_VISITOR},
                             config=write_config(directory), **{FIRST_PASSWORD_ENV: PASSWORD})
    try:
        with httpx.Client(timeout=5) as http, Front(learner=learner.url, edges=[e.url for e in edges]) as front:
            http.front = front.url  # the learner's paths (/v1/visitor, /v1/surveys) through the front, as deployed
            yield redis_server, learner, edges, http
    finally:
        for server in (*edges, learner):
            server.stop()
        redis_server.kill()


def decide(edge, http: httpx.Client, block: str, visitor: str | None) -> dict:
    body = {"site": "pk_test", "blocks": [block], "visitor": visitor, "context": {"device": "mobile"}}
    response = http.post(f"{edge.url}/v1/decide", json=body)
    assert response.status_code == 200, response.text
    return response.json()["decisions"][0]


def send(edge, http: httpx.Client, visitor: str | None, *events: dict) -> httpx.Response:
    return http.post(f"{edge.url}/v1/events", json={"site": "pk_test", "visitor": visitor,
                                                     "events": [{"id": uuid.uuid4().hex, **e} for e in events]})


def hashed(redis_server: RedisServer, visitor: str, site: str = "pk_test") -> str:
    return visitor_hash(redis_server.client().get("attune:visitor-key"), site, visitor)


def test_a_block_switched_off_in_the_admin_shows_its_fallback_at_every_edge_within_a_second(scaled):
    redis_server, learner, edges, http = scaled
    assert all(decide(edge, http, "hero", None)["explain"]["reason"] != "disabled" for edge in edges)
    with contextlib.closing(signed_in(learner.url)) as editor:
        try:
            assert editor.patch("/admin/api/sites/pk_test/blocks/hero", json={"enabled": False}).status_code == 200
            switched = time.monotonic()
            for edge in edges:
                wait_for(lambda: decide(edge, http, "hero", None)["explain"]["reason"] == "disabled", timeout=5,
                         pause=0.02)
            took = time.monotonic() - switched
            print(f"admin edit live at both edges after {took:.3f} s")
            assert took < 1.0, f"the edges served the edit after {took:.2f} s"
            assert all(decide(edge, http, "hero", None)["variant"] == "classic" for edge in edges)
        finally:
            assert editor.patch("/admin/api/sites/pk_test/blocks/hero", json={"enabled": True}).status_code == 200
    for edge in edges:
        wait_for(lambda: decide(edge, http, "hero", None)["explain"]["reason"] != "disabled", timeout=5)
    versions = {edge.health()["config_version"] for edge in edges}
    assert len(versions) == 1 and versions.pop() >= 3  # the file, off, on: every edge serves the same version


def test_a_variant_rated_down_at_one_edge_is_never_shown_at_the_other(scaled):
    redis_server, learner, edges, http = scaled
    visitor = uuid.uuid4().hex
    rated = decide(edges[0], http, "tips", visitor)  # `tips`: uniform over 3 variants, a new decision per call
    reply = send(edges[1], http, visitor, {"type": "impression", "decision_id": rated["decision_id"]},
                 {"type": "rating", "decision_id": rated["decision_id"], "value": -1})
    assert reply.status_code == 202, reply.text
    wait_for(lambda: redis_server.client().smembers(f"attune:hidden:pk_test:{hashed(redis_server, visitor)}"))
    shown = [decide(edges[n % 2], http, "tips", visitor)["variant"] for n in range(60)]
    assert rated["variant"] not in shown, "a rated-down variant came back at an edge"
    assert len(set(shown)) == 2, "the other two variants are still shown"  # (2/3)^30 odds against per edge


def test_sticky_decisions_and_first_pages_hold_across_edges(scaled):
    redis_server, learner, edges, http = scaled
    for _ in range(5):  # `recs`: sticky for a session, Thompson sampling over two variants
        visitor = uuid.uuid4().hex
        first = decide(edges[0], http, "recs", visitor)
        again = [decide(edges[n % 2], http, "recs", visitor) for n in range(1, 5)]
        assert {d["decision_id"] for d in again} == {first["decision_id"]}, "a reload at another edge decided anew"

    anonymous = decide(edges[0], http, "recs", None)  # a new visitor's first page: decided before their id exists
    visitor = uuid.uuid4().hex
    assert send(edges[1], http, visitor, {"type": "impression", "decision_id": anonymous["decision_id"]}
                ).status_code == 202
    key = f"attune:sticky:pk_test:{hashed(redis_server, visitor)}:recs"
    wait_for(lambda: redis_server.client().exists(key), timeout=5)
    assert {decide(edge, http, "recs", visitor)["decision_id"] for edge in edges} == {anonymous["decision_id"]}


def test_the_event_rate_limit_counts_a_visitors_events_at_every_edge(scaled):
    redis_server, learner, edges, http = scaled
    wait_for(lambda: time.time() % 10 < 6, timeout=11, pause=0.1)  # all in one 10 s window
    visitor = uuid.uuid4().hex
    decision = decide(edges[0], http, "tips", visitor)
    click = {"type": "click", "decision_id": decision["decision_id"]}
    assert send(edges[0], http, visitor, click, click, click).status_code == 202
    refused = send(edges[1], http, visitor, click, click, click)  # 6 > 5 in this window, over both edges
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 10, refused.text
    assert send(edges[1], http, visitor, click, click).status_code == 202  # exactly the allowance: 5
    assert send(edges[0], http, uuid.uuid4().hex, click).status_code == 202  # another visitor is not held up


def shown(edge, http: httpx.Client, visitor: str, block: str = "hero", page: str = "/") -> dict:
    body = {"site": SITE, "blocks": [block], "visitor": visitor, "context": {"page": page}}
    response = http.post(f"{edge.url}/v1/decide", json=body)
    assert response.status_code == 200, response.text
    return response.json()["decisions"][0]


def at_learner(http: httpx.Client, path: str, **body) -> dict:
    response = http.post(f"{http.front}{path}", json={"site": SITE, **body})
    assert response.status_code == 200, response.text
    return response.json()


def test_an_interest_chosen_through_the_front_reaches_decide_at_both_edges(scaled):
    redis_server, learner, edges, http = scaled
    visitor = uuid.uuid4().hex
    shown(edges[0], http, visitor)  # `hero` is sticky for the session, at both edges, once its write has landed
    assert wait_for(lambda: shown(edges[0], http, visitor)["decision_id"] == shown(edges[1], http, visitor)["decision_id"],
                    timeout=5, pause=0.02)
    at_learner(http, "/v1/visitor/interests", visitor=visitor, interests=["outdoor"])
    chosen = time.monotonic()
    for edge in edges:  # a new choice ends the sticky decision, as in embedded mode
        wait_for(lambda: shown(edge, http, visitor)["variant"] == "outdoor", timeout=5, pause=0.02)
    print(f"a chosen interest decided on at both edges after {time.monotonic() - chosen:.3f} s")
    assert shown(edges[0], http, visitor)["explain"]["rule"] == "Outdoor lovers"
    at_learner(http, "/v1/visitor/interests", visitor=visitor, interests=[])  # cleared: gone from Redis too
    for edge in edges:
        wait_for(lambda: shown(edge, http, visitor)["variant"] == "classic", timeout=5, pause=0.02)
    assert not redis_server.client().exists(f"attune:profile:{SITE}:{hashed(redis_server, visitor, SITE)}")


def test_a_profile_answer_sent_to_one_edge_becomes_a_trait_that_decides_at_the_other(scaled):
    redis_server, learner, edges, http = scaled
    visitor = uuid.uuid4().hex
    assert shown(edges[0], http, visitor)["variant"] == "classic"
    answer = {"type": "survey_answer", "survey": "about-you", "question": "shopping-for", "choices": ["gift"]}
    reply = http.post(f"{edges[1].url}/v1/events", json={"site": SITE, "visitor": visitor, "events": [
        {"id": uuid.uuid4().hex, "type": "survey_shown", "survey": "about-you"}, {"id": uuid.uuid4().hex, **answer}]})
    assert reply.status_code == 202, reply.text
    wait_for(lambda: shown(edges[0], http, visitor)["variant"] == "gift", timeout=5, pause=0.02)
    assert at_learner(http, "/v1/visitor/profile", visitor=visitor)["traits"]["shopping_for"] == "gift"


def test_a_pricing_views_rule_counts_views_at_both_edges_and_the_learner_sees_them(scaled):
    redis_server, learner, edges, http = scaled
    for first, second in ((0, 1), (1, 0)):
        visitor = uuid.uuid4().hex
        assert shown(edges[first], http, visitor, "help", "/pricing")["variant"] == "none"
        switched = shown(edges[second], http, visitor, "help", "/pricing/teams?plan=pro")  # the second view
        assert switched["variant"] == "pricing-help" and switched["explain"]["rule"] == "pricing twice"
    assert shown(edges[0], http, visitor, "help", "/about")["variant"] == "pricing-help"  # still 2 pricing views

    def offered() -> set[str]:
        return {s["id"] for s in at_learner(http, "/v1/surveys/eligible", visitor=visitor)["surveys"]}
    wait_for(lambda: "pricing-doubts" in offered(), timeout=3)  # survey targeting at the learner counts edge views
    track = {"id": uuid.uuid4().hex, "type": "track", "name": "signup"}
    for edge in edges:  # the same event at both edges (a retry): counted once
        reply = http.post(f"{edge.url}/v1/events", json={"site": SITE, "visitor": visitor, "events": [track]})
        assert reply.status_code == 202, reply.text
    key = f"attune:counters:{SITE}:{hashed(redis_server, visitor, SITE)}"
    wait_for(lambda: redis_server.client().hget(key, "e:signup") == b"1", timeout=5)

    def exported() -> dict | None:
        return at_learner(http, "/v1/visitor/export", visitor=visitor)["counters"]
    counts = wait_for(lambda: (c := exported()) and c["tracked_events"] and c, timeout=3)
    assert (counts["sessions"], counts["page_views"], counts["tracked_events"]) == (1, {"pricing": 2}, {"signup": 1})


def test_an_erasure_removes_interests_traits_and_counters_from_redis(scaled):
    redis_server, learner, edges, http = scaled
    visitor = uuid.uuid4().hex
    hashed_visitor = hashed(redis_server, visitor, SITE)
    keys = [f"attune:profile:{SITE}:{hashed_visitor}", f"attune:counters:{SITE}:{hashed_visitor}"]
    at_learner(http, "/v1/visitor/interests", visitor=visitor, interests=["home"])
    shown(edges[0], http, visitor, "help", "/pricing")
    wait_for(lambda: redis_server.client().exists(*keys) == 2, timeout=5)
    at_learner(http, "/v1/visitor/erase", visitor=visitor)
    wait_for(lambda: redis_server.client().exists(*keys) == 0, timeout=5)
    assert shown(edges[1], http, visitor, "help", "/pricing")["variant"] == "none"  # counted from zero again
    time.sleep(0.5)  # the learner has read Redis since: it copies the new count, not the erased one
    assert at_learner(http, "/v1/visitor/export", visitor=visitor)["counters"]["page_views"] == {"pricing": 1}


def test_metrics_an_edge_counts_what_it_acknowledged_and_shows_its_policy_and_the_learner_its_backlog(scaled):
    redis_server, learner, edges, http = scaled
    edge, visitor = edges[0], uuid.uuid4().hex
    before, learner_before = scrape(edge.url), scrape(learner.url)
    decision = decide(edge, http, "tips", visitor)
    impression, click = ({"id": uuid.uuid4().hex, "type": kind, "decision_id": decision["decision_id"]}
                         for kind in ("impression", "click"))
    for events in ([impression, click], [impression]):  # the second: a retry of an acknowledged event
        body = {"site": "pk_test", "visitor": visitor, "events": events}
        assert http.post(f"{edge.url}/v1/events", json=body).status_code == 202
    after = scrape(edge.url)
    counted = {(kind, outcome): moved(before, after, "attune_events_total", type=kind, outcome=outcome)
               for kind in ("impression", "click") for outcome in ("accepted", "duplicate")}
    assert counted == {("impression", "accepted"): 1, ("impression", "duplicate"): 1, ("click", "accepted"): 1,
                       ("click", "duplicate"): 0}
    assert moved(before, after, "attune_decide_seconds_count", site="pk_test", block="tips") == 1

    def policy_as_healthz_says() -> bool:
        health, samples = edge.health(), scrape(edge.url)
        age = time.time() - value(samples, "attune_policy_published_timestamp_seconds")
        return (value(samples, "attune_policy_version") == health["policy_version"] == edge.health()["policy_version"]
                and abs(age - health["policy_age_s"]) < 1.0)
    wait_for(policy_as_healthz_says, timeout=10)

    def learned_both() -> dict | None:
        samples = scrape(learner.url)
        backlog = ("attune_stream_backlog", (("stream", "attune:log"),))  # sampled every 5 s
        learned = moved(learner_before, samples, "attune_learner_lag_seconds_count")  # each event's lag, once
        return samples if learned >= 2 and backlog in samples else None
    at_learner = wait_for(learned_both, timeout=15, pause=0.2)
    assert value(at_learner, "attune_stream_backlog", stream="attune:log") >= 0
    assert not any(name == "attune_events_total" and dict(labels)["outcome"] in ("accepted", "duplicate") and count
                   for (name, labels), count in at_learner.items()), "the learner counted the edges' events again"


def test_with_redis_stopped_an_edge_still_answers_and_keeps_its_own_sticky_decisions(scaled):
    redis_server, learner, edges, http = scaled
    visitor = uuid.uuid4().hex
    redis_server.signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        first = decide(edges[0], http, "recs", visitor)
        assert time.monotonic() - started < 2.0, "decide answers while Redis is stopped"
        assert decide(edges[0], http, "recs", visitor)["decision_id"] == first["decision_id"]
        assert edges[0].health()["status"] == "degraded"
    finally:
        redis_server.signal(signal.SIGCONT)
    wait_for(lambda: all(edge.health()["status"] == "ok" for edge in edges))
