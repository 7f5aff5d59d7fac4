"""Hostile bodies and paths that once answered 500 (issue 11): now each a 4xx whose `detail` names the problem.

In-process, on the app `attune serve` runs (the decide fast path in front of Litestar), lifespan and all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar.testing import TestClient

from server.body import MAX_DEPTH
from tests.support.admin import PASSWORD

JSON = {"content-type": "application/json"}
DECIDE = b'{"site":"pk_demo","blocks":["hero"]'  # + the rest of the object
EVENTS = b'{"site":"pk_demo","events":[{"id":"event-0001","type":"click","decision_id":"d1"}]'
DEEP = b',"x":' + b"[" * 1000 + b"]" * 1000 + b"}"

CASES = [
    # (name, method, path, headers, body, status, words in detail)
    ("decide nested 1000 deep", "POST", "/v1/decide", JSON, DECIDE + DEEP, 400, f"deeper than {MAX_DEPTH}"),
    ("events nested 1000 deep", "POST", "/v1/events", JSON, EVENTS + DEEP, 400, f"deeper than {MAX_DEPTH}"),
    ("decide nested 33 deep", "POST", "/v1/decide", JSON, DECIDE + b',"x":' + b"{\"a\":" * 32 + b"1" + b"}" * 33,
     400, "deeper"),
    ("decide not UTF-8", "POST", "/v1/decide", JSON, DECIDE + b',"context":{"a":"\xff\xfe"}}', 400, "not valid UTF-8"),
    ("events not UTF-8", "POST", "/v1/events", JSON, EVENTS + b',"visitor":"\xc3("}', 400, "not valid UTF-8"),
    ("int over 64 bits", "POST", "/v1/decide", JSON, DECIDE + b',"context":{"a":123456789012345678901234567890}}',
     400, "context"),
    ("float over range", "POST", "/v1/decide", JSON, DECIDE + b',"context":{"a":1e400}}', 400, "out of range"),
    ("NUL in a static path", "GET", "/demo/a%00b", {}, b"", 404, "NUL"),
    ("NUL in an admin asset path", "GET", "/static/admin/a%00b", {}, b"", 404, "NUL"),
    ("file name too long", "GET", "/demo/" + "a" * 300, {}, b"", 404, "longer"),
    ("path too long", "GET", "/demo" + "/a" * 3000, {}, b"", 404, "longer"),
    ("decide as a form", "POST", "/v1/decide", {"content-type": "application/x-www-form-urlencoded"}, DECIDE + b"}",
     415, "application/json"),
    ("decide without a type", "POST", "/v1/decide", {}, DECIDE + b"}", 415, "application/json"),
    ("decide in latin-1", "POST", "/v1/decide", {"content-type": "application/json; charset=latin-1"}, DECIDE + b"}",
     415, "utf-8"),
    ("events as multipart", "POST", "/v1/events", {"content-type": "multipart/form-data; boundary=x"}, EVENTS + b"}",
     415, "application/json"),
    ("decide key twice", "POST", "/v1/decide", JSON, b'{"site":"pk_demo","site":"pk_x","blocks":["hero"]}',
     400, 'duplicate key "site"'),
    ("decide key twice, escaped", "POST", "/v1/decide", JSON,
     b'{"site":"pk_demo","sit\\u0065":"pk_x","blocks":["hero"]}',
     400, 'duplicate key "site"'),
    ("context key twice", "POST", "/v1/decide", JSON, DECIDE + b',"context":{"a":1, "a" :2}}',
     400, 'duplicate key "a"'),
    ("event key twice", "POST", "/v1/events", JSON,
     b'{"site":"pk_demo","events":[{"id":"event-0002","id":"event-0003","type":"click","decision_id":"d1"}]}',
     400, 'duplicate key "id"'),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ATTUNE_ADMIN_PASSWORD", PASSWORD)  # read when the runtime makes the first user
        from server.app import serving_app
        from server.config.loader import load_config
        from server.runtime import Runtime
        from server.settings import Settings

        runtime = Runtime(Settings(data_dir=Path(tmp_path_factory.mktemp("corpus")) / "data"), load_config())
        with TestClient(serving_app(runtime), raise_server_exceptions=False) as http:  # type: ignore[arg-type]
            yield http


@pytest.mark.parametrize(("method", "path", "headers", "body", "status", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_hostile_input_gets_a_4xx_naming_the_problem(client, method, path, headers, body, status, words):
    response = client.request(method, path, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert words in response.json()["detail"], response.json()


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/v1/decide", DECIDE + b"}", 200), ("/v1/events", EVENTS + b"}", 202),
])
def test_the_data_plane_reads_json_sent_as_text_plain(client, path, body, status):
    """What the JS SDK and sendBeacon send: a CORS-simple request needs no preflight (sdk_js/src/transport.ts)."""
    response = client.post(path, content=body, headers={"content-type": "text/plain;charset=UTF-8"})
    assert response.status_code == status, response.text


@pytest.mark.parametrize("body", [
    DECIDE + b',"context":{"plan":"pro","a":"[{\\"a\\":1}]"},"traits":{"plan":"pro"}}',  # a key in both: allowed
    DECIDE + b',"x":' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}",
    DECIDE + b',"context":{"a":9223372036854775807,"b":-9223372036854775808,"c":"{{{{[[[["}}',
], ids=["same key in two objects", f"{MAX_DEPTH} deep", "64-bit ints and brackets in strings"])
def test_the_gate_lets_honest_bodies_through(client, body):
    response = client.post("/v1/decide", content=body, headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200, response.text


def test_a_batch_naming_the_same_keys_in_each_event_is_not_a_duplicate(client):
    events = [{"id": f"event-1{i:03}", "type": "click", "decision_id": "d1"} for i in range(40)]
    response = client.post("/v1/events", content=json.dumps({"site": "pk_demo", "events": events}), headers=JSON)
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(("headers", "body", "status", "words"), [
    ({"content-type": "text/plain"}, b'{"html":"<b>x</b>"}', 415, "application/json"),
    ({}, b'{"html":"<b>x</b>"}', 415, "application/json"),
    (JSON, b'{"html":"<b>x</b>","html":"<i>y</i>"}', 400, 'duplicate key "html"'),
    (JSON, b'{"html":' + b"[" * 40 + b"]" * 40 + b"}", 400, "deeper"),
    (JSON, b'{"html":"\xff"}', 400, "UTF-8"),
], ids=["text/plain", "no type", "key twice", "deep", "not UTF-8"])
def test_the_admin_api_takes_json_only(client, headers, body, status, words):
    assert client.get("/admin/login").status_code == 200
    csrf = {"x-csrftoken": client.cookies["csrftoken"]}
    signed_in = client.post("/admin/api/login", json={"name": "admin", "password": PASSWORD}, headers=csrf)
    assert signed_in.status_code == 200, signed_in.text
    response = client.post("/admin/api/preview", content=body, headers={**headers, **csrf})
    assert response.status_code == status, response.text
    assert words in response.json()["detail"], response.json()
