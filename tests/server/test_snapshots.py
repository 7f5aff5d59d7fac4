"""Learner snapshots: a state that is not finite is never written, and a snapshot that does not load makes
start-up replay the whole log, with a warning, into the same policies as before; never a crash."""

from __future__ import annotations

import gc
import logging
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import orjson
import pytest
from litestar.testing import TestClient

from online_learning.features import context_features
from server.config.loader import load_config
from server.settings import Settings
from tests.server.conftest import TEST_CONFIG

HERO = ["classic", "deal", "story", "app"]
DEVICES = ["mobile", "desktop", "tablet"]


@contextmanager
def attune(data_dir: Path):
    """Attune in this process on `data_dir`; on exit it stops, writing its last snapshot."""
    from server.app import create_app
    from server.runtime import Runtime

    settings = Settings(data_dir=data_dir, config_path=TEST_CONFIG, snapshot_interval=3600.0,
                        events_per_visitor=0, events_per_address=0)
    runtime = Runtime(settings, load_config(TEST_CONFIG))
    try:
        with TestClient(create_app(runtime)) as client:
            yield client, runtime
    finally:
        gc.unfreeze()  # the app's lifespan froze the heap for serving; a test process should collect as usual


def teach(client, visits: int = 60) -> int:
    """Decisions on hero and recs, each seen and rated (a rating closes the reward window at once)."""
    for n in range(visits):
        body = {"site": "pk_test", "blocks": ["hero", "recs"], "visitor": uuid.uuid4().hex,
                "context": {"device": DEVICES[n % 3]}}
        decisions = client.post("/v1/decide", json=body).json()["decisions"]
        events = []
        for decision in decisions:
            liked = decision["variant"] in ("story", "new-in")
            value = (1 if liked else -1) if decision["feedback"] == "thumbs" else (5 if liked else 2)
            events += [{"id": uuid.uuid4().hex, "type": "impression", "decision_id": decision["decision_id"]},
                       {"id": uuid.uuid4().hex, "type": "rating", "decision_id": decision["decision_id"],
                        "value": value}]
        assert client.post("/v1/events", json={"site": "pk_test", "events": events}).status_code == 202
    return 2 * visits


def learned(client, at_least: int = 0, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while (count := client.get("/healthz").json()["learned"]) < at_least:
        assert time.monotonic() < deadline, f"learned {count} of {at_least}"
        time.sleep(0.01)
    return count


def what_the_policies_know(runtime) -> tuple[list, dict]:
    """Hero's expected rewards per device and recs' Beta counts, once the learner has stopped."""
    hero = runtime.sites.policies["pk_test/hero"]
    hero.refresh()  # publish the last updates (the learner refreshes every 0.2 s)
    means = [hero.expected_rewards(HERO, context_features({"device": d})).tolist() for d in DEVICES]
    return means, runtime.sites.policies["pk_test/recs"].state()


def first_arm(state: dict) -> dict:
    return next(iter(state["policies"]["pk_test/hero"]["state"]["arms"].values()))


def garbage(snapshot: bytes) -> bytes:
    return b"\x00\xff not JSON at all \x13\x37" * 50


def truncated(snapshot: bytes) -> bytes:
    return snapshot[: len(snapshot) // 2]


def null_in_a_policy_matrix(snapshot: bytes) -> bytes:
    state = orjson.loads(snapshot)
    first_arm(state)["evidence"][0][0] = None  # how orjson writes a NaN
    return orjson.dumps(state)


def null_in_beta_counts(snapshot: bytes) -> bytes:
    state = orjson.loads(snapshot)
    recs = state["policies"]["pk_test/recs"]["state"]
    recs[next(iter(recs))][0] = None
    return orjson.dumps(state)


def a_matrix_of_the_wrong_shape_in_the_last_policy(snapshot: bytes) -> bytes:
    state = orjson.loads(snapshot)
    assert list(state["policies"])[-1] != "pk_test/hero"
    state["policies"] = {k: state["policies"][k] for k in [*[k for k in state["policies"] if k != "pk_test/hero"],
                                                           "pk_test/hero"]}  # loaded after the others
    first_arm(state)["evidence"].pop()
    return orjson.dumps(state)


def ahead_of_the_log(snapshot: bytes) -> bytes:
    state = orjson.loads(snapshot)
    state["last_seq"] += 1000  # a snapshot of another, longer log (an older log restored from a backup)
    return orjson.dumps(state)


def not_a_json_object(snapshot: bytes) -> bytes:
    return b"[1, 2, 3]"


@pytest.mark.parametrize("corrupt", [garbage, truncated, null_in_a_policy_matrix, null_in_beta_counts,
                                     a_matrix_of_the_wrong_shape_in_the_last_policy, ahead_of_the_log,
                                     not_a_json_object])
def test_a_snapshot_that_does_not_load_is_set_aside_and_the_log_replayed_into_the_same_policies(
        tmp_path, caplog, corrupt):
    data_dir = tmp_path / "data"
    with attune(data_dir) as (client, runtime):
        before = learned(client, at_least=teach(client))
    knew = what_the_policies_know(runtime)
    snapshot = data_dir / "learner.snapshot"
    assert orjson.loads(snapshot.read_bytes())["learned"] == before
    snapshot.write_bytes(corrupt(snapshot.read_bytes()))

    with caplog.at_level(logging.WARNING, logger="attune.learner"), attune(data_dir) as (client, runtime):
        assert learned(client) == before
        assert runtime.learner.learner.last_seq == runtime.event_log.max_seq()
    knows = what_the_policies_know(runtime)
    np.testing.assert_allclose(knows[0], knew[0], rtol=1e-9, atol=1e-12)
    assert knows[1] == knew[1]  # Beta counts: exact
    assert "the learner snapshot does not load" in caplog.text and "replaying the whole log" in caplog.text
    assert (data_dir / "learner.snapshot.unreadable").exists()  # kept for a look
    assert orjson.loads(snapshot.read_bytes())["learned"] == before  # and a good one written on stop


def test_a_learner_state_that_is_not_finite_is_never_written_and_the_last_good_snapshot_stays(tmp_path, caplog):
    data_dir = tmp_path / "data"
    snapshot = data_dir / "learner.snapshot"
    with attune(data_dir) as (client, runtime):
        before = learned(client, at_least=teach(client))
    knew = what_the_policies_know(runtime)
    good = snapshot.read_bytes()

    with caplog.at_level(logging.WARNING, logger="attune.learner"), attune(data_dir) as (client, runtime):
        runtime.sites.policies["pk_test/hero"].update("story", ["bias"], float("nan"))  # as a NaN weight did
        written = runtime.learner.snapshots
        runtime.learner.snapshot()
        assert runtime.learner.snapshots == written
    assert snapshot.read_bytes() == good  # neither that snapshot nor the one on stop replaced it
    assert caplog.text.count("no learner snapshot written: the state of pk_test/hero is not finite") == 2

    with attune(data_dir) as (client, runtime):
        assert learned(client) == before
    np.testing.assert_allclose(what_the_policies_know(runtime)[0], knew[0], rtol=1e-9, atol=1e-12)


def test_attune_starts_on_a_corrupt_snapshot_and_replays_the_log(tmp_path, caplog):
    with attune(tmp_path / "data") as (client, _):
        before = learned(client, at_least=teach(client, visits=20))
    (tmp_path / "data" / "learner.snapshot").write_bytes(b'{"last_seq": 3, "learned": 2, "join": {"ids": [')
    with attune(tmp_path / "data") as (client, _):
        assert learned(client) == before
    assert "the learner snapshot does not load" in caplog.text
