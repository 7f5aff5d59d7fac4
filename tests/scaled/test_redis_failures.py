"""Redis killed, or stopped: decide answers from memory and spools; events wait (503 + Retry-After); once Redis is
back everything drains, and no acknowledged event or answered decision is lost or stored twice."""

from __future__ import annotations

import signal
import time
import uuid

import httpx

from tests.scaled.cluster import (Load, backlog, cluster, decide, scrape, stored_decision_ids, stored_event_ids, value,
                                  wait_for)


def _check_log(learner, load: Load) -> None:
    assert len(load.acknowledged) > 100
    assert not load.acknowledged - stored_event_ids(learner.data_dir), "an acknowledged event was lost"
    decisions = stored_decision_ids(learner.data_dir)
    assert len(decisions) == len(set(decisions)), "a spooled decision was stored twice"
    assert not set(load.decided) - set(decisions), "an answered decision was lost"


def test_redis_killed_and_restarted_from_its_append_only_file_loses_nothing_acknowledged(tmp_path, redis_server):
    learner, edges = cluster(tmp_path, redis_server.url, edges=1)
    try:
        load = Load(edges, seed=9).start()
        time.sleep(1.5)
        redis_server.kill()
        time.sleep(1.0)
        redis_server.start()
        time.sleep(1.5)
        load.stop()
        assert not load.unsent, "refused batches were taken once Redis was back"
        wait_for(lambda: backlog(redis_server.client()) == 0 and edges[0].health()["status"] == "ok")
    finally:
        for server in (*edges, learner):
            server.stop()
    _check_log(learner, load)


def test_redis_stopped_decide_answers_events_wait_and_everything_drains(tmp_path, redis_server):
    learner, edges = cluster(tmp_path, redis_server.url, edges=1)
    edge = edges[0]
    try:
        load = Load(edges, seed=13).start()
        time.sleep(1.0)
        redis_server.signal(signal.SIGSTOP)
        try:
            time.sleep(1.0)
            with httpx.Client(timeout=5) as http:
                started = time.monotonic()
                decision = decide(edge.url, http, visitor=uuid.uuid4().hex)[0]
                assert time.monotonic() - started < 2.0, "decide answers while Redis is stopped"
                refused = http.post(f"{edge.url}/v1/events", json={"site": "pk_test", "events": [
                    {"id": uuid.uuid4().hex, "type": "impression", "decision_id": decision["decision_id"]}]})
                assert refused.status_code == 503 and int(refused.headers["retry-after"]) >= 1, refused.text
                health = edge.health()
                assert health["status"] == "degraded" and health["spool_bytes"] > 0, health
                stopped = scrape(edge.url)  # /metrics needs no Redis
                assert sum(n for (name, _), n in stopped.items() if name == "attune_redis_errors_total") >= 1
                assert value(stopped, "attune_spool_bytes") > 0 and value(stopped, "attune_spool_decisions") >= 2
            load.decided.append(decision["decision_id"])
        finally:
            redis_server.signal(signal.SIGCONT)
        time.sleep(1.5)
        load.stop()
        assert not load.unsent, "refused batches were taken once Redis was back"
        wait_for(lambda: backlog(redis_server.client()) == 0 and edge.health()["status"] == "ok")
        assert edge.health()["spool_bytes"] == 0
        drained = scrape(edge.url)
        assert value(drained, "attune_spool_bytes") == value(drained, "attune_spool_decisions") == 0
    finally:
        for server in (*edges, learner):
            server.stop()
    _check_log(learner, load)
