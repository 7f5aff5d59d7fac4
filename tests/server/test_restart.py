"""Kill -9 under load, ten times: every acknowledged event survives and the policy equals a replay of the log."""

from __future__ import annotations

import random
import threading
import time

import duckdb
import httpx
import numpy as np

from online_learning.features import context_features
from online_learning.learner import OnlineLearner
from server.config.loader import load_config
from server.learner.learn import learn_row
from server.learner.snapshots import load_snapshot
from server.sites import SiteRegistry
from server.storage.event_log import EventLog
from tests.server.conftest import TEST_CONFIG, new_id
from tests.support.inprocess import settle
from tests.support.server import NO_RATE_LIMITS, AttuneServer

KILLS = 10
DEVICES = ["mobile", "desktop", "tablet"]


class Load:
    """Visitors deciding and sending impressions, clicks and ratings; remembers what the server acknowledged."""

    def __init__(self, server: AttuneServer, seed: int) -> None:
        self.server = server
        self.rng = random.Random(seed)
        self.acknowledged: set[str] = set()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=2) as http:
            while not self.stopping.is_set():
                try:
                    self._visit(http)
                except httpx.HTTPError:
                    time.sleep(0.05)  # the server is down or restarting; nothing was acknowledged

    def _visit(self, http: httpx.Client) -> None:
        device = self.rng.choice(DEVICES)
        body = {"site": "pk_test", "blocks": ["hero", "recs"], "visitor": new_id(), "context": {"device": device}}
        decisions = http.post(f"{self.server.url}/v1/decide", json=body).json()["decisions"]
        events = []
        for decision in decisions:
            events.append({"id": new_id(), "type": "impression", "decision_id": decision["decision_id"]})
            if self.rng.random() < (0.6 if decision["variant"] in ("story", "new-in") else 0.1):
                events.append({"id": new_id(), "type": "click", "decision_id": decision["decision_id"]})
            if decision["feedback"] == "stars" and self.rng.random() < 0.3:
                events.append({"id": new_id(), "type": "rating", "decision_id": decision["decision_id"],
                               "value": self.rng.randint(1, 5)})
        response = http.post(f"{self.server.url}/v1/events", json={"site": "pk_test", "events": events})
        if response.status_code == 202:
            assert response.json()["accepted"] == len(events)
            self.acknowledged.update(e["id"] for e in events)


def replay(data_dir) -> tuple[OnlineLearner, SiteRegistry]:
    """What a fresh learner makes of the whole log: the truth the server's policy must equal."""
    sites = SiteRegistry(load_config(TEST_CONFIG))
    learner = OnlineLearner(policy_for=sites.policy_for, weights_for=sites.weights_for)
    log = EventLog(data_dir / "attune.duckdb")
    for row in log.rows_since(0):
        learn_row(learner, row)
    log.close()
    learner.advance(int(time.time() * 1000))
    for policy in sites.policies.values():
        policy.refresh()
    return learner, sites


def test_no_acknowledged_event_is_lost_across_ten_kills_and_the_policy_equals_a_replay(tmp_path):
    data_dir = tmp_path / "data"
    server = AttuneServer(data_dir, config=TEST_CONFIG, env={"ATTUNE_SNAPSHOT_SECONDS": "0.7", **NO_RATE_LIMITS}).start()
    load = Load(server, seed=7)
    load.thread.start()
    pace = random.Random(11)
    for _ in range(KILLS):
        time.sleep(pace.uniform(0.6, 1.6))
        server.kill()
        server.start()
    time.sleep(1.0)
    load.stopping.set()
    load.thread.join()
    settle(lambda: (h := server.health())["pending"] == h["unseen"])  # every window opened (1 s) has closed
    live_learned = server.health()["learned"]
    server.stop()

    assert len(load.acknowledged) > 500, "the load should have been acknowledged many events"
    with duckdb.connect(str(data_dir / "attune.duckdb"), read_only=True) as db:
        stored = {row[0] for row in db.execute("SELECT id FROM events").fetchall()}
    assert load.acknowledged <= stored, f"{len(load.acknowledged - stored)} acknowledged events were lost"

    snapshot = load_snapshot(data_dir / "learner.snapshot")
    replayed, sites = replay(data_dir)
    assert snapshot["learned"] == live_learned == replayed.learned
    live = SiteRegistry(load_config(TEST_CONFIG))
    for key, saved in snapshot["policies"].items():
        live.policies[key].load_state(saved["state"])
    assert live.policies["pk_test/recs"].state() == sites.policies["pk_test/recs"].state()  # Beta counts: exact
    live_hero, replay_hero = live.policies["pk_test/hero"], sites.policies["pk_test/hero"]
    for device in DEVICES:
        features = context_features({"device": device})
        variants = ["classic", "deal", "story", "app"]
        np.testing.assert_allclose(live_hero.expected_rewards(variants, features),
                                   replay_hero.expected_rewards(variants, features), rtol=1e-9, atol=1e-12)
