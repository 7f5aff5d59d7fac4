"""Retention and survey memory: a profile answer deleted by retention takes its trait out of decide's memory at
once (not at the next restart), and a survey shown or dismissed is kept as feedback, so past `behaviour_days` and
a restart a dismissed survey is still not offered again. Real DuckDB, the retention job run on an injected clock."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from server.privacy import retention
from tests.support.inprocess import attune

SURVEYS = Path(__file__).with_name("surveys-test.toml")
DAY_MS = 86_400_000
RETENTION = "[sites.privacy.retention]\nbehaviour_days = 1\nfeedback_days = 30\n\n"
ORIGIN = {"origin": "https://shop.example"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "surveys-retention.toml"
    path.write_text(SURVEYS.read_text().replace("[sites.interrupts]", RETENTION + "[sites.interrupts]", 1))
    return path


@pytest.fixture(autouse=True)
def everything_counted(monkeypatch):
    """As if the results rollup had counted every decision: behaviour rows go as soon as their period ends."""
    monkeypatch.setattr(retention, "folded_below", lambda cursor: 2**62)


def send(app, who: str, *events: dict) -> None:
    response = app.client.post("/v1/events", json={"site": "pk_test", "visitor": who,
                                                   "events": [{"id": uuid.uuid4().hex, **e} for e in events]})
    assert response.status_code == 202, response.text
    app.settle()


def offered(app, who: str) -> set[str]:
    response = app.client.post("/v1/surveys/eligible", headers=ORIGIN,
                               json={"site": "pk_test", "visitor": who, "context": {"device": "desktop"}})
    assert response.status_code == 200, response.text
    return {s["id"] for s in response.json()["surveys"]}


def decided_context(app, who: str) -> dict:
    response = app.client.post("/v1/decide", json={"site": "pk_test", "blocks": ["hero"], "visitor": who,
                                                   "context": {"device": "desktop"}})
    assert response.status_code == 200, response.text
    return response.json()["decisions"][0]["explain"]


def test_an_expired_profile_answer_takes_its_trait_out_of_memory_without_a_restart(config, tmp_path) -> None:
    who, later = "visitor-" + uuid.uuid4().hex, "visitor-" + uuid.uuid4().hex
    now = time.time_ns() // 1_000_000
    with attune(tmp_path / "data", config=config, privacy_per_minute=0) as app:
        send(app, who, {"type": "survey_answer", "survey": "role", "question": "role", "choices": ["dev"]})
        profile = lambda visitor: app.client.post(  # noqa: E731
            "/v1/visitor/profile", json={"site": "pk_test", "visitor": visitor}).json()
        assert profile(who)["traits"] == {"role": "dev"}
        assert decided_context(app, who).get("rule") == "Developers see the deal"

        app.runtime.retention.run_once(now_ms=now + 10 * DAY_MS)  # within feedback_days: kept
        assert profile(who)["traits"] == {"role": "dev"}

        app.runtime.retention.run_once(now_ms=now + 31 * DAY_MS)  # past it: the answer goes, and its trait
        assert profile(who)["traits"] == {} and profile(who)["profile_traits"] == []
        assert decided_context(app, who).get("rule") is None
        assert app.runtime.profile_traits.of("pk_test", _hash(app, who)) == {}


def test_a_dismissed_survey_stays_dismissed_past_behaviour_days_and_a_restart(config, tmp_path) -> None:
    who, fresh = "visitor-" + uuid.uuid4().hex, "visitor-" + uuid.uuid4().hex
    now = time.time_ns() // 1_000_000
    with attune(tmp_path / "data", config=config, privacy_per_minute=0) as app:
        send(app, who, {"type": "survey_shown", "survey": "nps"}, {"type": "survey_dismissed", "survey": "nps"})
        app.runtime.retention.run_once(now_ms=now + 10 * DAY_MS)  # 10 days: past behaviour_days (1)
        with app.runtime.event_log.cursor() as cursor:
            kept = cursor.execute("SELECT type FROM events WHERE visitor = ? ORDER BY seq",
                                  [_hash(app, who)]).fetchall()
        assert kept == [("survey_shown",), ("survey_dismissed",)]

    with attune(tmp_path / "data", config=config, privacy_per_minute=0) as app:
        app.runtime.surveys_deps.clock_ms = lambda: now + 10 * DAY_MS  # past the 7-day gap between prompts too
        assert "nps" not in offered(app, who)
        assert "nps" in offered(app, fresh)  # the survey itself is still offered to others


def _hash(app, who: str) -> str:
    from server.decide.service import visitor_hash

    return visitor_hash(app.runtime.visitor_key, "pk_test", who)
