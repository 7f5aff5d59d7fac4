"""Survey events on the wire: each answer type accepted or refused with a 400 naming the field; text is
stored exactly as written and comes back as a JSON string; old log files gain the new columns."""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
import orjson
import pytest

from server.storage.event_log import EventLog
from tests.support.inprocess import attune

CONFIG = Path(__file__).with_name("surveys-test.toml")
HOSTILE = "  <script>alert('x')</script> & \"quotes\" — ünïcödé 👍\n\tnew line  "


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with attune(tmp_path_factory.mktemp("surveys-events") / "data", config=CONFIG) as running:
        yield running


def post(app, *events: dict, visitor: str | None = "visitor-events-1"):
    batch = [{"id": uuid.uuid4().hex, **event} for event in events]
    return app.client.post("/v1/events", json={"site": "pk_test", "visitor": visitor, "events": batch}), batch


def answer(survey: str, question: str, **given) -> dict:
    return {"type": "survey_answer", "survey": survey, "question": question, **given}


@pytest.mark.parametrize("event", [
    answer("nps", "score", value=0), answer("nps", "score", value=10),
    answer("pulse", "sat", value=1), answer("pulse", "sat", value=5),
    answer("pulse", "effort", value=7), answer("pulse", "useful", value=-1), answer("pulse", "useful", value=1),
    answer("role", "role", choices=["pm"]), answer("pulse", "wants", choices=["docs", "talks"]),
    answer("nps", "why", text="x" * 2000),
    answer("nps", "why", text="Super", language="de"), answer("nps", "why", text="ok", language="pt-BR"),
    answer("nps", "why", text="ok", language="zh-Hant-TW"), answer("nps", "why", text="ok", language="EN_us"),
    answer("gone", "whatever", value=3.5),  # a survey no longer configured: kept, unchecked
    {"type": "survey_shown", "survey": "nps", "page": "/pricing"},
    {"type": "survey_dismissed", "survey": "nps"},
    {"type": "track", "name": "checkout_completed"},
    {"type": "survey_response", "value": 4},  # the old type stays accepted
    answer("nps", "score", value=9, tech={"ttfb_ms": 80, "lcp_ms": 2400.5, "inp_ms": 120, "decide_ms": 12.3,
                                          "js_errors": 2}),
])
def test_a_well_formed_event_is_accepted(app, event: dict) -> None:
    response, _ = post(app, event)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 1


@pytest.mark.parametrize(("event", "named"), [
    (answer("nps", "score", value=11), "events[0].value: a nps answer is a whole number from 0 to 10"),
    (answer("nps", "score", value=7.5), "events[0].value"),
    (answer("pulse", "sat", value=0), "events[0].value: a csat answer is a whole number from 1 to 5"),
    (answer("pulse", "effort", value=8), "events[0].value: a ces answer"),
    (answer("pulse", "useful", value=0), "events[0].value: a thumbs answer is -1"),
    (answer("nps", "score", text="ten"), "events[0].value: question 'score' (nps) is answered with value"),
    (answer("nps", "why", value=3), "events[0].text"),
    (answer("role", "role", choices=["ceo"]), "events[0].choices[0]: 'ceo' is not a choice"),
    (answer("role", "role", choices=["dev", "pm"]), "events[0].choices: a single-choice answer names exactly one"),
    (answer("pulse", "wants", choices=["docs", "docs"]), "events[0].choices: a choice is named twice"),
    (answer("nps", "nope", value=3), "events[0].question: 'nope' is not a question of survey 'nps'"),
    (answer("nps", "score", value=3, text="and words"), "events[0]: a survey_answer carries exactly one of"),
    (answer("nps", "score"), "events[0]: a survey_answer carries exactly one of"),
    ({"type": "survey_answer", "survey": "nps", "value": 3}, "events[0].question: required"),
    ({"type": "survey_shown"}, "events[0].survey: required for a 'survey_shown' event"),
    ({"type": "track"}, "events[0].name: required for a 'track' event"),
    ({"type": "track", "name": "x", "text": "hi"}, "events[0].text: only a 'survey_answer' carries text"),
    (answer("nps", "why", text="x" * 2001), "events[0].text: Expected `str` of length <= 2000"),
    (answer("nps", "why", text=""), "events[0].text"),
    (answer("nps", "score", value=3, tech={"lcp_ms": -1}), "events[0].tech.lcp_ms"),
    (answer("nps", "score", value=3, tech={"js_errors": 10_001}), "events[0].tech.js_errors"),
    ({"type": "survey_shown", "survey": "nps", "page": "no-slash"}, "events[0].page"),
    ({"type": "survey_shown", "survey": "bad id"}, "events[0].survey"),
    (answer("nps", "why", text="ok", language="english please"), "events[0].language"),
    (answer("nps", "why", text="ok", language="en-" + "x" * 40), "events[0].language: Expected `str` of length <= 35"),
    (answer("nps", "why", text="ok", language=""), "events[0].language"),
    (answer("nps", "why", text="ok", language="<b>"), "events[0].language"),
    ({"type": "track", "name": "x", "language": "en"}, "events[0].language: only survey events and ratings carry"),
])
def test_a_wrong_answer_is_refused_naming_the_field(app, event: dict, named: str) -> None:
    response, _ = post(app, event)
    assert response.status_code == 400, response.text
    assert named in response.text, response.text


def test_one_bad_answer_refuses_the_batch_and_names_its_position(app) -> None:
    response, batch = post(app, {"type": "survey_shown", "survey": "nps"}, answer("pulse", "sat", value=6))
    assert response.status_code == 400 and "events[1].value" in response.text
    app.settle()
    with app.runtime.event_log.cursor() as cursor:
        assert cursor.execute("SELECT count(*) FROM events WHERE id = ?", [batch[0]["id"]]).fetchone()[0] == 0


def test_text_is_stored_exactly_as_written_and_exported_as_a_json_string(app) -> None:
    visitor = "visitor-" + uuid.uuid4().hex
    response, batch = post(app, answer("nps", "why", text=HOSTILE, page="/pricing",
                                       tech={"lcp_ms": 3100, "js_errors": 1}), visitor=visitor)
    assert response.status_code == 202
    app.settle()
    with app.runtime.event_log.cursor() as cursor:
        stored = cursor.execute("SELECT text, survey, question, page, lcp_ms, js_errors, ttfb_ms FROM events "
                                "WHERE id = ?", [batch[0]["id"]]).fetchone()
    assert stored == (HOSTILE, "nps", "why", "/pricing", 3100.0, 1, None)
    exported = app.client.post("/v1/visitor/export", json={"site": "pk_test", "visitor": visitor})
    assert exported.headers["content-type"].startswith("application/json")
    body = orjson.loads(exported.content)
    assert [a["text"] for a in body["survey_answers"]] == [HOSTILE]
    assert [e["text"] for e in body["events"]] == [HOSTILE]


def test_the_page_language_is_stored_with_the_answer_and_exported(app) -> None:
    visitor = "visitor-" + uuid.uuid4().hex
    response, batch = post(app, answer("nps", "why", text="Lieferung zu langsam", language="de-AT"),
                           answer("nps", "why", text="too slow"), visitor=visitor)
    assert response.status_code == 202
    app.settle()
    with app.runtime.event_log.cursor() as cursor:
        stored = cursor.execute("SELECT text, language FROM events WHERE list_contains(?, id) ORDER BY seq",
                                [[e["id"] for e in batch]]).fetchall()
    assert stored == [("Lieferung zu langsam", "de-AT"), ("too slow", None)]
    body = app.client.post("/v1/visitor/export", json={"site": "pk_test", "visitor": visitor}).json()
    assert [a["language"] for a in body["survey_answers"]] == ["de-AT", None]


def test_choices_are_stored_as_a_json_list(app) -> None:
    response, batch = post(app, answer("pulse", "wants", choices=["videos", "docs"]))
    assert response.status_code == 202
    app.settle()
    with app.runtime.event_log.cursor() as cursor:
        (choices,) = cursor.execute("SELECT choices FROM events WHERE id = ?", [batch[0]["id"]]).fetchone()
    assert orjson.loads(choices) == ["videos", "docs"]


def test_a_log_from_before_surveys_gains_the_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute("""CREATE TABLE events (id VARCHAR PRIMARY KEY, site VARCHAR NOT NULL, visitor VARCHAR,
                       type VARCHAR NOT NULL, decision_id VARCHAR, value DOUBLE, ts BIGINT, received_at BIGINT NOT NULL,
                       seq BIGINT NOT NULL)""")
        old.execute("INSERT INTO events VALUES ('old-click-1', 'pk_test', NULL, 'click', 'd1', NULL, NULL, 5, 1)")
    log = EventLog(path)
    try:
        with log.cursor() as cursor:
            columns = {row[0] for row in cursor.execute("DESCRIBE events").fetchall()}
            rows = list(log.rows_since(0, cursor))
    finally:
        log.close()
    assert {"survey", "question", "choices", "text", "name", "page", "ttfb_ms", "lcp_ms", "inp_ms", "decide_ms",
            "js_errors", "language"} <= columns
    assert [(r.id, r.type, r.text) for r in rows] == [("old-click-1", "click", None)]
