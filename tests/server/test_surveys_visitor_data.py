"""A visitor's behavioural counters and profile traits through the visitor-rights API: the export holds them (the
counts, and each trait with the survey question that set it), the preference center's profile lists the traits
with their question, and erasure removes both, in memory and on disk (nothing comes back after a restart)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.inprocess import attune

SURVEYS = Path(__file__).with_name("surveys-test.toml")
COUNTERS = '[sites.counters]\npage_groups = { pricing = ["/pricing*"] }\n\n'


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The survey tests' configuration with behavioural counters on pk_test."""
    text = SURVEYS.read_text()
    path = tmp_path / "surveys-counters.toml"
    path.write_text(text.replace("[sites.interrupts]", COUNTERS + "[sites.interrupts]", 1))
    return path


def call(app, path: str, body: dict, status: int = 200) -> dict:
    response = app.client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def visit(app, who: str, page: str) -> None:
    call(app, "/v1/decide", {"site": "pk_test", "visitor": who, "blocks": ["hero"], "context": {"page": page}})


def send(app, who: str, *events: dict) -> None:
    call(app, "/v1/events", {"site": "pk_test", "visitor": who,
                             "events": [{"id": uuid.uuid4().hex, **e} for e in events]}, status=202)
    app.settle()


def mine(app, path: str, who: str) -> dict:
    return call(app, f"/v1/visitor/{path}", {"site": "pk_test", "visitor": who})


def test_counters_and_profile_traits_are_exported_listed_and_erased(config: Path, tmp_path: Path) -> None:
    who, other = "visitor-" + uuid.uuid4().hex, "visitor-" + uuid.uuid4().hex
    with attune(tmp_path / "data", config=config, privacy_per_minute=0) as app:
        for page in ("/pricing", "/docs/start", "/pricing/teams"):
            visit(app, who, page)
        send(app, who, {"type": "track", "name": "signup"},
             {"type": "survey_answer", "survey": "role", "question": "role", "choices": ["dev"]},
             {"type": "survey_answer", "survey": "pulse", "question": "useful", "value": -1})
        visit(app, other, "/pricing")
        send(app, other, {"type": "survey_answer", "survey": "role", "question": "role", "choices": ["pm"]})

        profile = mine(app, "profile", who)
        assert [(t["trait"], t["value"], t["survey"], t["question"]) for t in profile["profile_traits"]] == [
            ("found_useful", -1, "pulse", "useful"), ("role", "dev", "role", "role")]
        assert all(t["answered_at"] > 0 for t in profile["profile_traits"])
        assert profile["traits"] == {"role": "dev", "found_useful": -1}

        exported = mine(app, "export", who)
        assert exported["profile_traits"] == profile["profile_traits"]
        counts = exported["counters"]
        assert (counts["sessions"], counts["page_views"], counts["tracked_events"]) == (1, {"pricing": 2},
                                                                                         {"signup": 1})
        assert counts["facts"] == {"sessions": 1, "days_since_first": 0, "pricing_views": 2, "signup_count": 1}
        assert counts["first_seen"] <= counts["last_seen"]
        assert [a["question"] for a in exported["survey_answers"]] == ["role", "useful"]

        app.runtime.counter_flush.flush()  # stored on disk too, so erasure must reach the table
        erased = mine(app, "erase", who)
        assert erased["deleted"]["events"] == 3
        after = mine(app, "export", who)
        assert (after["counters"], after["profile_traits"], after["survey_answers"], after["traits"]) == \
            (None, [], [], {})
        assert mine(app, "profile", who)["profile_traits"] == []
        assert mine(app, "export", other)["counters"]["page_views"] == {"pricing": 1}  # nobody else's
        assert [t["value"] for t in mine(app, "profile", other)["profile_traits"]] == ["pm"]

    with attune(tmp_path / "data", config=config, privacy_per_minute=0) as app:  # nothing comes back
        after = mine(app, "export", who)
        assert (after["counters"], after["profile_traits"]) == (None, [])
        assert mine(app, "export", other)["counters"]["page_views"] == {"pricing": 1}


def test_a_site_without_counters_exports_none(tmp_path: Path) -> None:
    who = "visitor-" + uuid.uuid4().hex
    with attune(tmp_path / "data", config=SURVEYS, privacy_per_minute=0) as app:
        visit(app, who, "/pricing")
        exported = mine(app, "export", who)
        assert exported["counters"] is None and exported["profile_traits"] == []
