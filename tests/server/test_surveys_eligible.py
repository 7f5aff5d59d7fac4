"""POST /v1/surveys/eligible: enabled, targeted, sampled, and held to the recontact rule and the interrupt
budget, under an injected clock (days pass in a test without waiting)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from server.privacy.rate_limit import AddressRateLimit
from server.surveys.history import VisitorHistory
from server.surveys.schemas import Budget
from server.surveys.service import DAY_MS, SESSION_MS, within_budget
from tests.support.inprocess import attune

CONFIG = Path(__file__).with_name("surveys-test.toml")
MINUTE_MS = 60_000
ORIGIN = {"origin": "https://shop.example"}


class Clock:
    def __init__(self) -> None:
        self.now = time.time_ns() // 1_000_000  # events are stamped by the real clock: start from it

    def __call__(self) -> int:
        return self.now

    def pass_ms(self, ms: int) -> None:
        self.now += ms


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    # no address limit for the many calls here; the limit is tested on its own below
    with attune(tmp_path_factory.mktemp("surveys-eligible") / "data", config=CONFIG, privacy_per_minute=0) as running:
        yield running


@pytest.fixture
def clock(app) -> Clock:
    clock = Clock()
    app.runtime.surveys_deps.clock_ms = clock
    return clock


def visitor() -> str:
    return "visitor-" + uuid.uuid4().hex


def eligible(app, who: str | None, **body) -> dict:
    response = app.client.post("/v1/surveys/eligible", headers=ORIGIN,
                               json={"site": "pk_test", "visitor": who, **body})
    assert response.status_code == 200, response.text
    return response.json()


def offered(app, who: str | None, **body) -> set[str]:
    return {s["id"] for s in eligible(app, who, **body)["surveys"]}


def send(app, who: str, *events: dict) -> None:
    batch = [{"id": uuid.uuid4().hex, **event} for event in events]
    response = app.client.post("/v1/events", json={"site": "pk_test", "visitor": who, "events": batch})
    assert response.status_code == 202, response.text
    app.settle()


def shown(survey: str) -> dict:
    return {"type": "survey_shown", "survey": survey}


def test_without_a_visitor_id_nothing_is_offered(app, clock) -> None:
    body = eligible(app, None)
    assert body == {"surveys": [], "budget": {"per_session": 1, "gap_days": 7}, "prompted_this_session": 0}


def test_enabled_surveys_whose_targeting_holds_are_offered(app, clock) -> None:
    assert offered(app, visitor(), context={"device": "desktop"}) == {"nps", "role"}  # never "paused"
    assert offered(app, visitor(), context={"device": "mobile"}) == {"nps", "role", "pulse"}
    assert offered(app, visitor(), traits={"device": "tv"}) == {"nps", "role", "monthly"}


def test_behavioural_counters_reach_the_targeting(app, clock) -> None:
    counts = {"pricing_views": 1}
    app.runtime.surveys_deps.visitor_facts = lambda site, hashed: dict(counts)
    try:
        who = visitor()
        assert "pricing-help" not in offered(app, who)
        counts["pricing_views"] = 2
        assert "pricing-help" in offered(app, who)
    finally:
        app.runtime.surveys_deps.visitor_facts = lambda site, hashed: {}


def test_the_survey_comes_in_the_page_language_with_its_trigger_and_branches(app, clock) -> None:
    surveys = {s["id"]: s for s in eligible(app, visitor(), language="de-AT")["surveys"]}
    score, why = surveys["nps"]["questions"]
    assert score["text"] == "Wie wahrscheinlich empfehlen Sie uns?" and why["text"] == "What could we do better?"
    assert score["next"][0] == {"to": "why", "lte": 6.0, "gte": None, "eq": None, "in": None}
    role = surveys["role"]
    assert role["placement"] == "inline" and role["trigger"]["pageviews"] == 2 and role["trigger"]["url"] == "/docs*"
    assert role["questions"][0]["choices"] == [{"id": "dev", "label": "Entwickler"},
                                               {"id": "pm", "label": "Product manager"}]
    assert role["questions"][0]["profile"] is True and score["profile"] is False


def test_the_sampling_share_draws_each_visitor_once(app, clock) -> None:
    drawn = [("half" in offered(app, who, context={"device": "watch"}), who) for who in
             (f"visitor-share-{i:04d}" for i in range(200))]
    share = sum(hit for hit, _ in drawn) / len(drawn)
    assert 0.4 <= share <= 0.6, share  # 200 draws of p = 0.5: 3.5 standard deviations either side
    for hit, who in drawn[:20]:
        assert ("half" in offered(app, who, context={"device": "watch"})) == hit


def test_one_prompt_a_session_then_a_gap_of_seven_days(app, clock) -> None:
    who = visitor()
    send(app, who, shown("nps"))
    body = eligible(app, who)
    assert body["surveys"] == [] and body["prompted_this_session"] == 1
    clock.pass_ms(SESSION_MS + MINUTE_MS)  # a later session, within the gap
    assert offered(app, who) == set()
    clock.pass_ms(6 * DAY_MS)
    assert offered(app, who) == set()
    clock.pass_ms(DAY_MS)  # seven days and more since the prompt
    body = eligible(app, who)
    assert {s["id"] for s in body["surveys"]} == {"nps", "role"} and body["prompted_this_session"] == 0


def test_recontact_until_answered_and_once(app, clock) -> None:
    who = visitor()
    send(app, who, shown("nps"), shown("role"))
    clock.pass_ms(8 * DAY_MS)
    assert offered(app, who) == {"nps"}  # role: once; nps: not answered yet
    send(app, who, {"type": "survey_answer", "survey": "nps", "question": "score", "value": 9})
    clock.pass_ms(8 * DAY_MS)
    assert offered(app, who) == set()


def test_recontact_every_n_days(app, clock) -> None:
    who = visitor()
    send(app, who, shown("monthly"))
    clock.pass_ms(8 * DAY_MS)
    assert "monthly" not in offered(app, who, context={"device": "tv"})
    clock.pass_ms(22 * DAY_MS + MINUTE_MS)  # thirty days since it was shown (the clock began just before)
    assert "monthly" in offered(app, who, context={"device": "tv"})


def test_a_dismissed_survey_stays_dismissed(app, clock) -> None:
    who = visitor()
    send(app, who, shown("pulse"), {"type": "survey_dismissed", "survey": "pulse"})
    for _ in range(3):
        clock.pass_ms(100 * DAY_MS)
        assert offered(app, who, context={"device": "mobile"}) == {"nps", "role"}  # "pulse" recontacts always


def test_decide_tells_the_widget_whether_the_site_has_surveys(app) -> None:
    def hints(site: str) -> dict:
        response = app.client.post("/v1/decide", json={"site": site, "blocks": ["hero"]})
        assert response.status_code == 200, response.text
        return response.json()["privacy"]

    assert hints("pk_test")["surveys"] is True
    assert hints("pk_quiet")["surveys"] is False


def test_an_unknown_site_or_a_foreign_origin_is_refused(app) -> None:
    assert app.client.post("/v1/surveys/eligible", json={"site": "pk_nope"}).status_code == 404
    foreign = app.client.post("/v1/surveys/eligible", headers={"origin": "https://evil.example"},
                              json={"site": "pk_test", "visitor": visitor()})
    assert foreign.status_code == 403
    bad = app.client.post("/v1/surveys/eligible", json={"site": "pk_test", "language": "not a language"})
    assert bad.status_code == 400 and "language" in bad.text


def test_one_address_asking_too_often_waits(app) -> None:
    deps = app.runtime.surveys_deps
    unlimited, deps.rate_limit = deps.rate_limit, AddressRateLimit(per_minute=2)
    try:
        answers = [app.client.post("/v1/surveys/eligible", json={"site": "pk_test"}) for _ in range(3)]
    finally:
        deps.rate_limit = unlimited
    assert [a.status_code for a in answers] == [200, 200, 429] and "retry-after" in answers[2].headers


@pytest.mark.parametrize(("prompts_ago_ms", "per_session", "gap_days", "allowed"), [
    ([], 1, 7, True),
    ([], 0, 7, False),  # no prompts at all on this site
    ([MINUTE_MS], 2, 7, True),  # the second of two allowed in this session: the gap is between sessions
    ([MINUTE_MS, 2 * MINUTE_MS], 2, 7, False),
    ([SESSION_MS + MINUTE_MS], 1, 0, True),  # no gap asked for
    ([3 * DAY_MS], 1, 3, True),
    ([3 * DAY_MS - 1], 1, 3, False),
])
def test_the_budget(prompts_ago_ms: list[int], per_session: int, gap_days: int, allowed: bool) -> None:
    now = 100 * DAY_MS
    history = VisitorHistory(prompts=sorted(now - ago for ago in prompts_ago_ms))
    prompted = sum(1 for ago in prompts_ago_ms if ago < SESSION_MS)
    budget = Budget(per_session=per_session, gap_days=gap_days)
    assert within_budget(history, budget, prompted=prompted, now=now) is allowed


@pytest.mark.parametrize("body", [
    '{"site": "pk_test", "visitor": "vvvvvvvvvvvv", "context": {"device": 1e400}}',  # not finite (raw JSON)
    {"site": "pk_test", "visitor": "v" * 20, "context": {"device": {"nested": {"deeper": [1]}}}},  # nesting
    {"site": "pk_test", "visitor": "v" * 20, "context": {f"f{n}": n for n in range(500)}},  # too many fields
    {"site": "pk_test", "visitor": "v" * 20, "traits": {"role": "x" * 100_000}},  # huge text
    {"site": "pk_test", "visitor": 12345678901},  # a number where the id goes
    {"site": "pk_test", "visitor": "v" * 20, "language": ["en"]},  # a list where text goes
])
def test_hostile_values_get_a_4xx_naming_the_problem_never_a_500(app, body) -> None:
    raw = body if isinstance(body, str) else json.dumps(body)
    answer = app.client.post("/v1/surveys/eligible", content=raw, headers={"content-type": "application/json"})
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json().get("detail"), answer.text
