"""Survey results in the admin against figures computed by hand from the answers sent: response rate, drop-off,
NPS with its interval, CSAT/CES means, choice counts, breakdowns by device and variant seen, and the CSV."""

from __future__ import annotations

import csv
import io
import math

import pytest

from server.admin.reporting.stats import Z95, bounded_mean, wilson
from tests.support.admin import admin_app, signed_in
from tests.support.survey_answers import answer_event, send, visit
from tests.support.survey_config import surveys_config

NPS_SCORES = [10] * 20 + [8] * 8 + [3] * 12  # 40 answers: 50% promoters, 30% detractors: NPS 20
CSAT = [5, 4, 4, 3, 5, 2, 4, 5, 4, 4] * 4  # 40 answers, mean 4.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("survey-results")
    with admin_app(root / "data", config=surveys_config(root), events_per_visitor=0, events_per_address=0) as app:
        for i in range(50):  # 50 shown, 40 answer, 5 of the rest dismiss
            visitor = f"nps-visitor-{i:03d}"
            visit(app.client, visitor, device="mobile" if i < 30 else "desktop")
            events = [answer_event("survey_shown", survey="nps")]
            if i < 40:
                events.append(answer_event("survey_answer", survey="nps", question="score", value=NPS_SCORES[i],
                                     page="/pricing" if i % 2 else "/docs"))
                if NPS_SCORES[i] <= 6:
                    events.append(answer_event("survey_answer", survey="nps", question="why", text=f"Too slow, {i}"))
            elif i < 45:
                events.append(answer_event("survey_dismissed", survey="nps"))
            send(app.client, visitor, events)
        for i, value in enumerate(CSAT):
            visitor = f"pulse-visitor-{i:03d}"
            send(app.client, visitor, [
                answer_event("survey_shown", survey="pulse"),
                answer_event("survey_answer", survey="pulse", question="sat", value=value),
                answer_event("survey_answer", survey="pulse", question="effort", value=7 - i % 3),
                answer_event("survey_answer", survey="pulse", question="role", choices=["dev" if i % 4 else "pm"]),
                answer_event("survey_answer", survey="pulse", question="useful", value=1 if i % 5 else -1),
                answer_event("survey_answer", survey="pulse", question="wants",
                       choices=["docs", "videos"] if i < 10 else ["talks"]),
            ])
        app.settle()
        yield app


@pytest.fixture(scope="module")
def admin(server):
    client = signed_in(server)
    yield client
    client.close()


def results(admin, survey: str, **params) -> dict:
    response = admin.get(f"/admin/api/sites/pk_test/surveys/{survey}/results", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_response_rate_and_drop_off_are_counted_per_visitor(admin):
    r = results(admin, "nps")
    assert (r["displays"], r["shown"], r["answered"], r["dismissed"]) == (50, 50, 40, 5)
    assert r["response_rate"] == pytest.approx(0.8)
    assert r["response_rate_ci"] == pytest.approx(list(wilson(40, 50)))
    score, why = r["questions"]
    assert (score["answered"], why["answered"]) == (40, 12)
    assert why["drop_off"] == pytest.approx(1 - 12 / 40) and why["texts"] == 12


def test_nps_and_its_interval_match_the_variance_of_the_estimator(admin):
    s = results(admin, "nps")["questions"][0]["score"]
    p, d = 0.5, 0.3
    half = 100 * Z95 * math.sqrt((p + d - (p - d) ** 2) / 40)
    assert s["value"] == pytest.approx(20.0)
    assert (s["low"], s["high"]) == pytest.approx((20 - half, 20 + half))  # -7.0 to 47.0
    assert s["enough"] is True
    counts = {c["key"]: c["n"] for c in results(admin, "nps")["questions"][0]["counts"]}
    assert (counts["10"], counts["8"], counts["3"], counts["0"]) == (20, 8, 12, 0)


def test_csat_ces_thumbs_and_choices(admin):
    sat, effort, role, useful, wants = results(admin, "pulse")["questions"]
    mean, (low, high) = bounded_mean(float(sum(CSAT)), len(CSAT), (1.0, 5.0))
    assert sat["score"]["value"] == pytest.approx(4.0)
    assert (sat["score"]["low"], sat["score"]["high"]) == pytest.approx((low, high))
    assert 1.0 <= sat["score"]["low"] and sat["score"]["high"] <= 5.0
    efforts = [7 - i % 3 for i in range(40)]
    assert effort["score"]["value"] == pytest.approx(sum(efforts) / 40)
    assert effort["score"]["high"] <= 7.0
    assert {c["key"]: c["n"] for c in role["counts"]} == {"dev": 30, "pm": 10}
    assert useful["score"]["value"] == pytest.approx(32 / 40)
    assert {c["key"]: c["n"] for c in wants["counts"]} == {"docs": 10, "videos": 10, "talks": 30}


def test_breakdowns_by_device_page_and_variant_seen_say_when_there_is_too_little_data(admin):
    by = {b["by"]: {g["name"]: g["score"] for g in b["groups"]} for b in results(admin, "nps")["breakdowns"]}
    assert by["device"]["mobile"]["n"] == 30 and by["device"]["mobile"]["enough"] is True
    mobile = NPS_SCORES[:30]
    expected = 100 * (sum(v >= 9 for v in mobile) - sum(v <= 6 for v in mobile)) / 30
    assert by["device"]["mobile"]["value"] == pytest.approx(expected)
    assert by["device"]["desktop"]["n"] == 10 and by["device"]["desktop"]["enough"] is False
    assert by["page group"]["/pricing"]["n"] == 20 and by["page group"]["/docs"]["n"] == 20
    assert sum(s["n"] for name, s in by["variant seen"].items()) == 40
    assert all(name.startswith("hero=") for name in by["variant seen"])
    page = admin.get("/admin/sites/pk_test/surveys/nps/results")
    assert page.status_code == 200 and "not enough data yet (10 answers; figures from 30)" in page.text
    assert "+20" in page.text and "80.0%" in page.text


def test_a_segment_field_breaks_down_too_and_is_shown_escaped(admin):
    r = results(admin, "nps", by="device")
    assert any(b["by"] == "segment: device" for b in r["breakdowns"])
    page = admin.get("/admin/sites/pk_test/surveys/nps/results", params={"by": "<b>x</b>"})
    assert "<b>x</b>" not in page.text and "&lt;b&gt;x&lt;/b&gt;" in page.text


def test_csv_holds_the_figures_and_the_answers(admin):
    figures = admin.get("/admin/sites/pk_test/surveys/nps/results.csv")
    assert figures.status_code == 200 and figures.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(figures.text)))
    nps = next(r for r in rows if r["section"] == "nps")
    assert nps["question"] == "score" and float(nps["value"]) == pytest.approx(20.0) and nps["n"] == "40"
    answers = list(csv.DictReader(io.StringIO(admin.get("/admin/sites/pk_test/surveys/nps/answers.csv").text)))
    assert len(answers) == 52 and sum(1 for a in answers if a["text"].startswith("Too slow")) == 12
    assert admin.get("/admin/sites/pk_test/surveys/nps/results.csv", params={"from": "nope"}).status_code == 400


def test_an_unknown_survey_is_a_404(admin):
    assert admin.get("/admin/api/sites/pk_test/surveys/ghost/results").status_code == 404
    assert admin.get("/admin/sites/pk_test/surveys/ghost/results").status_code == 404
