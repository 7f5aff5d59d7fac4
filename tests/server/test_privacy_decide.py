"""What decide does with privacy: the browser's Global Privacy Control signal, the site's accepted traits, the
visitor's chosen interests, and the hints the widget needs to ask for consent."""

from __future__ import annotations

import gc

import httpx
import orjson
import pytest
from litestar.testing import TestClient

from server.config.loader import load_config
from server.decide.fast_path import DecideFastPath
from server.errors import MAX_BODY_BYTES
from server.settings import Settings
from tests.support.inprocess import attune, run_coroutine
from tests.support.privacy import PRIVACY_CONFIG, SITE, decide, hashed, new_id, post, rate

GPC = {"Sec-GPC": "1"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with attune(tmp_path_factory.mktemp("decide") / "data", config=PRIVACY_CONFIG, privacy_per_minute=0) as running:
        yield running


@pytest.fixture
def client(app):
    return app.client


@pytest.fixture(scope="module")
def litestar_route(tmp_path_factory):
    """Decide through the Litestar route alone (`create_app`, without the fast path in front of it)."""
    from server.app import create_app
    from server.runtime import Runtime

    settings = Settings(data_dir=tmp_path_factory.mktemp("route") / "data", config_path=PRIVACY_CONFIG)
    runtime = Runtime(settings, load_config(PRIVACY_CONFIG))
    try:
        with TestClient(create_app(runtime)) as client:
            yield lambda body, headers: client.post("/v1/decide", json=body, headers=headers), runtime
    finally:
        gc.unfreeze()


@pytest.fixture(scope="module")
def fast_path(app):
    """Decide through the fast path alone: what it hands on to Litestar is refused, so it must answer itself."""
    async def refuse(scope, receive, send):
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": b"handed on to Litestar"})

    fast = DecideFastPath(refuse, deps=lambda: app.runtime.decide_deps, max_body=MAX_BODY_BYTES)

    async def call(body, headers):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fast), base_url="http://test") as client:
            return await client.post("/v1/decide", json=body, headers=headers)

    return lambda body, headers: run_coroutine(call(body, headers)), app.runtime


def logged(runtime, decision_ids: list[str]) -> list[tuple]:
    run_coroutine(runtime.writer.store_events([]))  # a barrier: every decision queued before is stored
    with runtime.event_log.cursor() as cursor:
        return cursor.execute("SELECT visitor, context FROM decisions WHERE decision_id IN (SELECT unnest(?))",
                              [decision_ids]).fetchall()


@pytest.mark.parametrize("way", ["fast_path", "litestar_route"])
def test_the_gpc_header_alone_turns_personalization_off_and_keeps_no_visitor(way, request):
    send, runtime = request.getfixturevalue(way)
    body = {"site": SITE, "blocks": ["hero", "tips"], "visitor": new_id(), "traits": {"plan": "pro"}}
    response = send(body, GPC)
    assert response.status_code == 200, response.text
    decisions = response.json()["decisions"]
    assert [d["explain"]["signal"] for d in decisions] == ["gpc", "gpc"]
    hero = decisions[0]["explain"]
    assert hero["reason"] == "personalization_off" and "Global Privacy Control" in hero["summary"]
    assert logged(runtime, [d["decision_id"] for d in decisions]) == [(None, "{}")] * 2
    consented = send({**body, "consented": True}, GPC).json()["decisions"]  # the visitor said yes on this site
    assert {d["explain"]["signal"] for d in consented} == {None}
    assert {row[0] for row in logged(runtime, [d["decision_id"] for d in consented])} == {
        hashed(runtime, body["visitor"])}


def test_under_gpc_nothing_the_visitor_rated_down_is_looked_up(app, client):
    visitor = new_id()
    (tips,) = decide(client, ["tips"], visitor=visitor)["decisions"]
    rate(client, visitor=visitor, decision_id=tips["decision_id"], value=-1)
    app.settle()
    hidden = {decide(client, ["tips"], visitor=visitor)["decisions"][0]["variant"] for _ in range(20)}
    assert tips["variant"] not in hidden
    under_gpc = {decide(client, ["tips"], visitor=visitor, headers=GPC)["decisions"][0]["variant"] for _ in range(60)}
    assert tips["variant"] in under_gpc  # the id is not even hashed; uniform over 3: P(missing) < 1e-10


def test_a_site_without_consent_mode_reads_no_gpc_signal(client):
    decisions = decide(client, ["hero"], visitor=new_id(), site="pk_open", headers=GPC)["decisions"]
    assert decisions[0]["explain"]["signal"] is None and decisions[0]["explain"]["reason"] != "personalization_off"


def test_traits_the_site_does_not_accept_are_dropped_and_named(app, client):
    answer = decide(client, ["hero"], visitor=new_id(), traits={"plan": "pro", "age": 41, "postcode": "N1"})
    assert answer["warnings"] == ["traits.age: not among the site's accepted_traits; dropped",
                                  "traits.postcode: not among the site's accepted_traits; dropped"]
    (context,) = [c for _, c in logged(app.runtime, [answer["decisions"][0]["decision_id"]])]
    assert orjson.loads(context) == {"trait_plan": "pro"}
    assert decide(client, ["hero"], visitor=new_id(), traits={"plan": "pro"})["warnings"] == []


def test_saved_interests_reach_decide_as_traits(app, client):
    visitor = new_id()
    saved = post(client, "/v1/visitor/interests", {"site": SITE, "visitor": visitor,
                                                   "interests": ["tea", "running", "tea"]})
    assert saved == {"interests": ["tea", "running"]}
    (hero,) = decide(client, ["hero"], visitor=visitor, traits={"plan": "pro"})["decisions"]
    (context,) = [c for _, c in logged(app.runtime, [hero["decision_id"]])]
    assert orjson.loads(context) == {"trait_plan": "pro", "trait_interest_tea": True, "trait_interest_running": True}
    profile = post(client, "/v1/visitor/profile", {"site": SITE, "visitor": visitor})
    assert profile["interests"] == ["tea", "running"]
    assert profile["traits"] == {"plan": "pro", "interest_tea": True, "interest_running": True}
    post(client, "/v1/visitor/interests", {"site": SITE, "visitor": visitor, "interests": []})
    (hero,) = decide(client, ["hero"], visitor=visitor)["decisions"]
    assert [c for _, c in logged(app.runtime, [hero["decision_id"]])] == ["{}"]


def test_saved_interests_outlive_a_restart(tmp_path):
    visitor = new_id()
    with attune(tmp_path / "data", config=PRIVACY_CONFIG) as first:
        post(first.client, "/v1/visitor/interests", {"site": SITE, "visitor": visitor, "interests": ["running"]})
    with attune(tmp_path / "data", config=PRIVACY_CONFIG) as second:
        (hero,) = decide(second.client, ["hero"], visitor=visitor)["decisions"]
        assert [c for _, c in logged(second.runtime, [hero["decision_id"]])] == ['{"trait_interest_running":true}']


def test_an_interest_the_site_does_not_offer_is_a_400_naming_it(client):
    response = client.post("/v1/visitor/interests", json={"site": SITE, "visitor": new_id(),
                                                          "interests": ["tea", "knitting"]})
    assert response.status_code == 400
    assert response.json()["detail"] == ("interests[1]: unknown interest 'knitting' for site 'pk_privacy' "
                                         "(known: running, tea)")


def test_decide_tells_the_widget_how_to_ask_for_consent(client):
    answer = decide(client, ["hero"], visitor=None)
    assert answer["consent"] == "opt-in"
    assert answer["privacy"] == {"banner": True, "sources": ["tcf", "attune"], "policy_version": "2026-12",
                                 "surveys": False}  # the site has no survey: the widget loads no survey part
