"""Bad input to the app `attune serve` runs (in this process): always a 4xx whose message names the problem, never
a 500."""

from __future__ import annotations

import json
import random

import pytest

DECIDE = {"site": "pk_test", "blocks": ["hero"], "visitor": "visitor-0001", "context": {"device": "mobile"}}
EVENTS = {"site": "pk_test", "events": [{"id": "event-0001", "type": "click", "decision_id": "d1"}]}

CASES = [
    # (path, raw body, status, words the message must contain)
    ("/v1/decide", b'{"site": "pk_test", "blocks": ["hero"]', 400, "not valid JSON"),
    ("/v1/decide", b"", 400, "body"),
    ("/v1/decide", b"[1, 2]", 400, "object"),
    ("/v1/decide", json.dumps({"blocks": ["hero"]}).encode(), 400, "site"),
    ("/v1/decide", json.dumps({"site": "pk_test"}).encode(), 400, "blocks"),
    ("/v1/decide", json.dumps({"site": 7, "blocks": ["hero"]}).encode(), 400, "site"),
    ("/v1/decide", json.dumps({"site": "pk_test", "blocks": "hero"}).encode(), 400, "blocks"),
    ("/v1/decide", json.dumps({"site": "pk_test", "blocks": []}).encode(), 400, "blocks"),
    ("/v1/decide", json.dumps({"site": "pk_test", "blocks": ["hero"] * 21}).encode(), 400, "blocks"),
    ("/v1/decide", json.dumps({**DECIDE, "context": {"device": ["a"]}}).encode(), 400, "context"),
    ("/v1/decide", json.dumps({**DECIDE, "context": "mobile"}).encode(), 400, "context"),
    ("/v1/decide", json.dumps({**DECIDE, "visitor": "<script>"}).encode(), 400, "visitor"),
    ("/v1/decide", json.dumps({**DECIDE, "personalization": "yes"}).encode(), 400, "personalization"),
    ("/v1/decide", json.dumps({**DECIDE, "site": "pk_nope"}).encode(), 404, "pk_nope"),
    ("/v1/decide", json.dumps({**DECIDE, "blocks": ["hero", "nope"]}).encode(), 404, "nope"),
    ("/v1/decide", json.dumps({**DECIDE, "pad": "x" * 70_000}).encode(), 413, "64 KiB"),
    ("/v1/events", json.dumps({"site": "pk_test"}).encode(), 400, "events"),
    ("/v1/events", json.dumps({"site": "pk_test", "events": []}).encode(), 400, "events"),
    ("/v1/events", json.dumps({**EVENTS, "events": EVENTS["events"] * 101}).encode(), 400, "events"),
    ("/v1/events", json.dumps({"site": "pk_test", "events": [{"type": "click"}]}).encode(), 400, "id"),
    ("/v1/events", json.dumps({"site": "pk_test", "events": [{"id": "event-0002", "type": "clik"}]}).encode(),
     400, "events[0].type"),
    ("/v1/events", json.dumps({"site": "pk_test", "events": [{"id": "event-0003", "type": "click"}]}).encode(),
     400, "events[0].decision_id"),
    ("/v1/events", json.dumps({"site": "pk_test", "events": [
        {"id": "event-0004", "type": "rating", "decision_id": "d1", "value": 9}]}).encode(), 400, "events[0].value"),
    ("/v1/events", json.dumps({"site": "pk_test", "events": [
        {"id": "event-0005", "type": "click", "decision_id": "d1", "ts": -5}]}).encode(), 400, "ts"),
    ("/v1/events", json.dumps({"site": "pk_test", "events": [
        {"id": "bad id with spaces", "type": "click", "decision_id": "d1"}]}).encode(), 400, "id"),
    ("/v1/events", json.dumps({**EVENTS, "site": "pk_nope"}).encode(), 404, "pk_nope"),
    ("/v1/events", json.dumps({"site": "pk_test", "events": [  # a value no timing or rating can be
        {"id": "event-0006", "type": "timing", "value": 1e300}]}).encode(), 400, "events[0].value"),
    ("/v1/events", json.dumps({"site": "pk_test", "events": [
        {"id": "event-0007", "type": "timing", "value": "fast"}]}).encode(), 400, "events[0].value"),
    ("/v1/events", json.dumps({"site": "pk_test", "events": [
        {"id": "event-0008", "type": "timing", "ts": "yesterday"}]}).encode(), 400, "events[0].ts"),
    ("/v1/events", json.dumps({"site": "pk_test", "events": [
        {"id": "event-0009", "type": "click", "decision_id": "d" * 65}]}).encode(), 400, "events[0].decision_id"),
]


@pytest.mark.parametrize(("path", "body", "status", "words"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_gets_a_4xx_naming_the_problem(client, path, body, status, words):
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert words in response.json()["detail"], response.json()


def _mutations(rng: random.Random, valid: dict, count: int):
    """Replace one field somewhere in a valid body with a value of the wrong kind."""
    garbage = [None, 0, -1, 1e308, "", "x" * 300, [], {}, [None], {"a": {"b": []}}, True, "\u0000\ud7ff"]
    for _ in range(count):
        body = json.loads(json.dumps(valid))
        target = body
        path = [rng.choice(list(body))]
        while isinstance(target[path[-1]], (dict, list)) and target[path[-1]] and rng.random() < 0.6:
            target = target[path[-1]]
            path.append(rng.randrange(len(target)) if isinstance(target, list) else rng.choice(list(target)))
        target[path[-1]] = rng.choice(garbage)
        yield body


@pytest.mark.parametrize("path,valid", [("/v1/decide", DECIDE), ("/v1/events", EVENTS)])
def test_random_wrong_values_never_cause_a_500(client, path, valid):
    rng = random.Random(20261123)
    for body in _mutations(rng, valid, 300):
        response = client.post(path, json=body)
        assert response.status_code < 500, (body, response.text)
        if response.status_code >= 400:
            assert response.json()["detail"], body
