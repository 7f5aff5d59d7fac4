"""GET /metrics: what an operator's Prometheus scrapes moves by what the service did, and JSON log lines parse.

The default registry is shared by everything in this test process, so each test reads the numbers
before and after and asserts the difference.
"""

from __future__ import annotations

import json
import logging
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.log_format import configure_logging
from tests.server.conftest import TEST_CONFIG, decide, send
from tests.support.inprocess import attune
from tests.support.server import AttuneServer


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: dict, after: dict, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with attune(tmp_path_factory.mktemp("metrics") / "data", config=TEST_CONFIG, events_per_visitor=1.0) as running:
        yield running


def test_decides_move_the_latency_histogram_per_block_and_the_decisions_by_reason(app):
    before = scrape(app.client)
    for _ in range(3):
        decide(app.client, ["hero", "banner", "retired"], context={"device": "mobile"})
    after = scrape(app.client)
    for block in ("hero", "banner", "retired"):
        assert moved(before, after, "attune_decide_seconds_count", site="pk_test", block=block) == 3
        assert moved(before, after, "attune_decide_seconds_bucket", site="pk_test", block=block, le="+Inf") == 3
        assert 0 < moved(before, after, "attune_decide_seconds_sum", site="pk_test", block=block) < 3  # seconds
    assert moved(before, after, "attune_decisions_total", site="pk_test", block="retired", reason="disabled") == 3
    assert moved(before, after, "attune_decisions_total", site="pk_test", block="banner", reason="split") == 3
    hero = sum(moved(before, after, "attune_decisions_total", site="pk_test", block="hero", reason=reason)
               for reason in ("model", "exploration", "rule", "only_option"))
    assert hero == 3


def test_events_count_by_type_and_outcome_and_the_writer_and_learner_move(app):
    decisions = decide(app.client, ["hero", "recs"])
    app.settle()
    before = scrape(app.client)
    impressions = [{"id": uuid.uuid4().hex, "type": "impression", "decision_id": d["decision_id"]} for d in decisions]
    click = {"id": uuid.uuid4().hex, "type": "click", "decision_id": decisions[0]["decision_id"]}
    stranger = {"id": uuid.uuid4().hex, "type": "click", "decision_id": "f" * 32}
    assert send(app.client, [*impressions, click, stranger]) == {
        "accepted": 3, "duplicates": 0, "unmatched": 1, "warnings": []}
    assert send(app.client, [click])["duplicates"] == 1  # a retry
    decide(app.client, ["banner"])  # a row after the retry: the learner's position passes the retry's
    app.pass_time(2)  # past the 1 s reward window: both impressions are learned
    app.refreshed()
    after = scrape(app.client)
    assert moved(before, after, "attune_events_total", type="impression", outcome="accepted") == 2
    assert moved(before, after, "attune_events_total", type="click", outcome="accepted") == 1
    assert moved(before, after, "attune_events_total", type="click", outcome="duplicate") == 1
    assert moved(before, after, "attune_events_total", type="click", outcome="unmatched") == 1
    assert moved(before, after, "attune_writer_group_rows_count") >= 2  # one commit per batch (at least)
    assert moved(before, after, "attune_writer_group_rows_sum") == 3 + 1 + 1  # the stranger is never stored
    assert moved(before, after, "attune_learner_lag_seconds_count") == 3  # each stored event reached the learner
    assert moved(before, after, "attune_learned_total") == 2
    assert value(after, "attune_policy_version") == app.runtime.learner.version
    assert moved(before, after, "attune_writer_refused_rows_total") == 0


def test_a_rate_limited_request_is_counted(app):
    (decision,) = decide(app.client, ["hero"])
    before = scrape(app.client)
    events = [{"id": uuid.uuid4().hex, "type": "impression", "decision_id": decision["decision_id"]}
              for _ in range(11)]  # a visitor's burst holds 10
    response = app.client.post("/v1/events", json={"site": "pk_test", "visitor": "flooding-visitor", "events": events})
    assert response.status_code == 429, response.text
    assert moved(before, scrape(app.client), "attune_rate_limited_total", limit="events") == 1


def test_metrics_stay_out_of_the_api_schema_and_take_no_origin_check(app):
    assert "/metrics" not in app.client.get("/schema/openapi.json").json()["paths"]
    assert app.client.get("/metrics", headers={"origin": "https://evil.example"}).status_code == 200


def test_a_metrics_token_is_asked_for_when_set(tmp_path):
    with attune(tmp_path / "data", config=TEST_CONFIG, metrics_token="s3cret") as running:
        refused = running.client.get("/metrics")
        assert refused.status_code == 401 and "Bearer" in refused.headers["www-authenticate"]
        assert running.client.get("/metrics", headers={"authorization": "Bearer wrong"}).status_code == 401
        allowed = running.client.get("/metrics", headers={"authorization": "Bearer s3cret"})
        assert allowed.status_code == 200 and "attune_decide_seconds" in allowed.text


def test_attune_serve_exposes_metrics_in_multiprocess_mode_and_logs_json_lines(tmp_path):
    """A real process, as scaled mode's launcher starts it: one multiprocess directory, JSON logs."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    server = AttuneServer(tmp_path / "data", config=TEST_CONFIG,
                          env={"PROMETHEUS_MULTIPROC_DIR": str(shared), "ATTUNE_LOG_JSON": "1"}).start()
    try:
        with httpx.Client(base_url=server.url) as client:
            decide(client, ["hero", "banner"])
            text = client.get("/metrics").text
    finally:
        server.stop()
    assert 'attune_decide_seconds_count{block="banner",site="pk_test"} 1.0' in text
    assert any(path.name.startswith("histogram_") for path in shared.iterdir())  # the values live in shared files
    records = [json.loads(line) for line in server.log().splitlines() if not line.startswith("attune: ")]
    assert {"ts", "level", "logger", "message"} <= set(records[0])
    assert any(r["logger"] == "attune" and r["message"].startswith("restored the learner") for r in records)


def test_json_log_lines_hold_one_record_each_with_its_exception(capsys):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers = []
    try:
        configure_logging(json_lines=True)
        try:
            raise ValueError("bad\nrow")
        except ValueError:
            logging.getLogger("attune.writer").exception("a group failed:\n%d rows", 2)
        logging.getLogger("attune").info("fine")
    finally:
        root.handlers, level = saved
        root.setLevel(level)
        logging.captureWarnings(False)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    failed, fine = (json.loads(line) for line in lines)
    assert failed["level"] == "ERROR" and failed["logger"] == "attune.writer"
    assert failed["message"] == "a group failed:\n2 rows"
    assert "ValueError: bad" in failed["exc"] and failed["ts"].endswith("Z")
    assert fine == {"ts": fine["ts"], "level": "INFO", "logger": "attune", "message": "fine"}
