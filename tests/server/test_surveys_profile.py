"""Progressive profiling: a known visitor's answer to a profile question becomes a trait that the next decision
uses (and logs), the preference center lists, export includes, erasure forgets and a restart remembers."""

from __future__ import annotations

import uuid
from pathlib import Path

import orjson

from tests.support.inprocess import attune

CONFIG = Path(__file__).with_name("surveys-test.toml")


def send(app, who: str | None, *events: dict) -> None:
    batch = [{"id": uuid.uuid4().hex, **event} for event in events]
    response = app.client.post("/v1/events", json={"site": "pk_test", "visitor": who, "events": batch})
    assert response.status_code == 202, response.text
    app.settle()


def role(choice: str) -> dict:
    return {"type": "survey_answer", "survey": "role", "question": "role", "choices": [choice]}


def decide(app, who: str, **body) -> dict:
    response = app.client.post("/v1/decide", json={"site": "pk_test", "blocks": ["hero"], "visitor": who, **body})
    assert response.status_code == 200, response.text
    return response.json()["decisions"][0]


def logged_context(app, decision_id: str) -> dict:
    app.settle()
    with app.runtime.event_log.cursor() as cursor:
        (context,) = cursor.execute("SELECT context FROM decisions WHERE decision_id = ?", [decision_id]).fetchone()
    return orjson.loads(context)


def visitor_call(app, path: str, who: str) -> dict:
    response = app.client.post(f"/v1/visitor/{path}", json={"site": "pk_test", "visitor": who})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_profile_answer_changes_the_next_decision_and_the_preference_center(tmp_path: Path) -> None:
    who = "visitor-" + uuid.uuid4().hex
    with attune(tmp_path / "data", config=CONFIG) as app:
        before = decide(app, who, context={"device": "desktop"})
        assert "trait_role" not in logged_context(app, before["decision_id"])
        send(app, who, {"type": "survey_shown", "survey": "role"}, role("dev"))
        after = decide(app, who, context={"device": "desktop"})  # same session: the new trait ends the sticky one
        assert after["decision_id"] != before["decision_id"]
        context = logged_context(app, after["decision_id"])
        assert (context["device"], context["trait_role"]) == ("desktop", "dev")
        assert after["variant"] == "deal" and after["explain"]["rule"] == "Developers see the deal"
        assert visitor_call(app, "profile", who)["traits"] == {"role": "dev"}

        send(app, who, role("pm"))  # the latest answer wins
        assert logged_context(app, decide(app, who)["decision_id"])["trait_role"] == "pm"
        send(app, who, {"type": "survey_answer", "survey": "pulse", "question": "useful", "value": -1})
        assert visitor_call(app, "profile", who)["traits"] == {"role": "pm", "found_useful": -1}

    with attune(tmp_path / "data", config=CONFIG) as app:  # a restart reloads traits and history from the log
        assert visitor_call(app, "profile", who)["traits"] == {"role": "pm", "found_useful": -1}
        assert logged_context(app, decide(app, who)["decision_id"])["trait_role"] == "pm"
        asked = app.runtime.survey_history.of("pk_test", next(iter(
            visitor for site, visitor in app.runtime.survey_history._visitors if site == "pk_test")))
        assert asked.surveys["role"].answered and asked.surveys["role"].shown == 1


def test_an_answer_without_a_visitor_id_is_stored_but_profiles_nobody(tmp_path: Path) -> None:
    with attune(tmp_path / "data", config=CONFIG) as app:
        send(app, None, role("dev"))
        assert app.runtime.profile_traits._traits == {}
        with app.runtime.event_log.cursor() as cursor:
            assert cursor.execute("SELECT count(*) FROM events WHERE type = 'survey_answer'").fetchone()[0] == 1


def test_personalization_off_keeps_the_profile_out_of_the_decision(tmp_path: Path) -> None:
    who = "visitor-" + uuid.uuid4().hex
    with attune(tmp_path / "data", config=CONFIG) as app:
        send(app, who, role("dev"))
        assert logged_context(app, decide(app, who, personalization=False)["decision_id"]) == {}


def test_export_holds_the_answers_and_erase_forgets_them(tmp_path: Path) -> None:
    who, other = "visitor-" + uuid.uuid4().hex, "visitor-" + uuid.uuid4().hex
    with attune(tmp_path / "data", config=CONFIG) as app:
        send(app, who, {"type": "survey_shown", "survey": "nps"},
             {"type": "survey_answer", "survey": "nps", "question": "score", "value": 3},
             {"type": "survey_answer", "survey": "nps", "question": "why", "text": "Too <em>slow</em>"}, role("dev"))
        send(app, other, role("pm"))
        exported = visitor_call(app, "export", who)
        answers = [(a["survey"], a["question"], a["value"], a["choices"], a["text"]) for a in exported["survey_answers"]]
        assert answers == [("nps", "score", 3.0, None, None), ("nps", "why", None, None, "Too <em>slow</em>"),
                           ("role", "role", None, ["dev"], None)]
        assert exported["traits"] == {"role": "dev"}

        erased = visitor_call(app, "erase", who)
        assert erased["deleted"]["events"] == 4
        assert visitor_call(app, "export", who)["survey_answers"] == []
        assert visitor_call(app, "profile", who)["traits"] == {}
        assert "trait_role" not in logged_context(app, decide(app, who)["decision_id"])
        assert app.runtime.survey_history.of("pk_test", _hash(app, who)).surveys == {}
        assert visitor_call(app, "profile", other)["traits"] == {"role": "pm"}  # nobody else's

    with attune(tmp_path / "data", config=CONFIG) as app:  # nothing comes back after a restart
        assert visitor_call(app, "profile", who)["traits"] == {}


def _hash(app, who: str) -> str:
    from server.decide.service import visitor_hash

    return visitor_hash(app.runtime.visitor_key, "pk_test", who)
