"""The learner SIGKILLed under load: edges keep deciding, the stream backs up, a restarted learner resumes from its
last acknowledgement; nothing is learned twice (its policy equals a replay of the log) and nothing is lost."""

from __future__ import annotations

import time

import numpy as np

from online_learning.features import context_features
from server.config.loader import load_config
from server.learner.snapshots import load_snapshot
from server.sites import SiteRegistry
from tests.scaled.cluster import STARTUP_S, DEVICES, Load, backlog, cluster, stored_decision_ids, stored_event_ids, wait_for
from tests.server.conftest import TEST_CONFIG
from tests.server.test_restart import replay


def test_a_killed_learner_resumes_and_learns_nothing_twice(tmp_path, redis_server):
    learner, edges = cluster(tmp_path, redis_server.url, ATTUNE_SNAPSHOT_SECONDS="0.7")
    try:
        load = Load(edges, seed=5).start()
        time.sleep(1.5)
        learner.kill()
        answered = sum(load.answered_by.values())
        time.sleep(1.5)  # the learner is down: edges decide with the last policies, events queue in the stream
        assert sum(load.answered_by.values()) > answered + 20, "edges kept deciding without the learner"
        assert backlog(redis_server.client()) > 0, "the stream backed up"
        learner.start(STARTUP_S)
        time.sleep(1.0)
        load.stop()
        assert not load.unsent
        wait_for(lambda: backlog(redis_server.client()) == 0)
        wait_for(lambda: (h := learner.health())["pending"] == h["unseen"])  # every window opened has closed
        live_learned = learner.health()["learned"]
    finally:
        for server in (*edges, learner):
            server.stop()
    data_dir = learner.data_dir
    assert not load.acknowledged - stored_event_ids(data_dir), "an acknowledged event was lost"
    decisions = stored_decision_ids(data_dir)
    assert len(decisions) == len(set(decisions)), "a redelivered decision was stored twice"
    assert set(load.decided) <= set(decisions), "a decision answered by an edge was lost"

    snapshot = load_snapshot(data_dir / "learner.snapshot")
    replayed, sites = replay(data_dir)
    assert snapshot["learned"] == live_learned == replayed.learned
    live = SiteRegistry(load_config(TEST_CONFIG))
    for key, saved in snapshot["policies"].items():
        live.policies[key].load_state(saved["state"])
    assert live.policies["pk_test/recs"].state() == sites.policies["pk_test/recs"].state()  # Beta counts: exact
    for device in DEVICES:
        features = context_features({"device": device})
        variants = ["classic", "deal", "story", "app"]
        np.testing.assert_allclose(live.policies["pk_test/hero"].expected_rewards(variants, features),
                                   sites.policies["pk_test/hero"].expected_rewards(variants, features),
                                   rtol=1e-9, atol=1e-12)
