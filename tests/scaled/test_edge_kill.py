"""An edge SIGKILLed under load: no acknowledged event is lost, and the other edge keeps answering."""

from __future__ import annotations

import time

from tests.scaled.cluster import cluster, Load, backlog, scaled_server, stored_event_ids, wait_for
from tests.server.conftest import TEST_CONFIG


def test_an_edge_killed_under_load_loses_no_acknowledged_event(tmp_path, redis_server):
    learner, edges = cluster(tmp_path, redis_server.url)
    try:
        load = Load(edges, seed=3).start()
        time.sleep(2.0)
        edges[0].kill()
        answered_before = load.answered_by.get(1, 0)
        time.sleep(2.0)
        load.stop()
        assert load.answered_by.get(1, 0) > answered_before + 20, "the other edge kept answering"
        assert not load.unsent, "every refused batch was taken on retry"
        wait_for(lambda: backlog(redis_server.client()) == 0)
    finally:
        for server in (*edges, learner):
            server.stop()
    assert len(load.acknowledged) > 100
    lost = load.acknowledged - stored_event_ids(learner.data_dir)
    assert not lost, f"{len(lost)} acknowledged events were lost"
