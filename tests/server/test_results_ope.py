"""The results page's off-policy table: `attune evaluate`'s figures, computed in the background from the log the
running server holds, on a real DuckDB log written through decide and events in this process."""

from __future__ import annotations

import html
import logging
import re
import time
from unittest import mock

import pytest

from server.evaluate.background import DAY_MS, DAYS, BackgroundEvaluator, recent_tables
from server.evaluate.log import logged_rows
from server.evaluate.service import evaluate_site
from server.evaluate.worker import EvaluationRequest, SiteLog, evaluate
from tests.server.conftest import TEST_CONFIG, decide, new_id, send
from tests.support.admin import admin_app, signed_in
from tests.support.inprocess import settle

VISITORS = 120
DEVICES = ("mobile", "tablet")  # contexts no rule touches: every variant stays a candidate
RESULTS = "/admin/sites/pk_test/blocks/{}/results"
API = "/admin/api/sites/pk_test/blocks/{}/results"


def _visit(app, visitors: int) -> None:
    """Visitors see tips and hero; they click tip t1 and hero "story", never anything else."""
    for n in range(visitors):
        events = []
        for decision in decide(app.client, ["tips", "hero"], visitor=new_id(), context={"device": DEVICES[n % 2]}):
            events.append({"id": new_id(), "type": "impression", "decision_id": decision["decision_id"]})
            if decision["variant"] in ("t1", "story"):
                events.append({"id": new_id(), "type": "click", "decision_id": decision["decision_id"]})
        send(app.client, events)
    app.settle()


def _later_ms() -> int:
    return int(time.time() * 1000) + 5_000  # every 1 s reward window (attune-test.toml) has closed by then


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """A running server with a log, evaluated once by `run_once` at a known instant (its own thread is stopped)."""
    with admin_app(tmp_path_factory.mktemp("ope") / "data", config=TEST_CONFIG) as app:
        app.runtime.off_policy.stop()  # the tests run it, on their own clock
        _visit(app, VISITORS)
        now = _later_ms()
        (done,) = [e for e in app.runtime.off_policy.run_once(now_ms=now) if e.site == "pk_test"]
        with app.runtime.event_log.cursor() as cursor:  # what `attune evaluate --since 30d` computes from the log
            expected = evaluate_site(rows=logged_rows(cursor), config=app.runtime.sites.config, site="pk_test",
                                     since_ms=now - DAYS * DAY_MS, now_ms=now)
        yield app, signed_in(app), done, {report.block: report for report in expected}


def _page_rows(page: str) -> dict[str, list[str]]:
    """The off-policy table's rows: policy -> its cells, as a reader sees them."""
    table = re.search(r'<table class="grid" id="off-policy">(.*?)</table>', page, re.S)
    assert table, "no off-policy table on the page"
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table[1], re.S)
    return {html.unescape(name): [html.unescape(c).strip() for c in re.findall(r"<td>(.*?)</td>", cells, re.S)]
            for name, cells in rows}


@pytest.mark.parametrize("block", ["tips", "hero"])
def test_the_api_shows_what_attune_evaluate_computes_from_the_same_rows(evaluated, block):
    _, admin, done, expected = evaluated
    found = admin.get(API.format(block)).json()["off_policy"]
    report = expected[block]
    assert found["state"] == "ready" and found["failure"] is None
    assert found["computed_at"] == done.computed_at and found["took_ms"] == done.took_ms >= 0
    assert found["days"] == 30 and found["since"] == done.computed_at - 30 * DAY_MS
    assert (found["decisions"], found["left_out"]) == (report.decisions, report.left_out)
    assert found["decisions"] == VISITORS  # no holdout on pk_test: every decision is evaluated
    as_logged, *policies = found["policies"]
    assert as_logged["policy"] == "as logged" and as_logged["estimate"] == pytest.approx(report.logged.estimate)
    assert [p["policy"] for p in policies] == [v.policy for v in report.values]
    for shown, value in zip(policies, report.values):
        assert shown["estimate"] == pytest.approx(value.dr.estimate, rel=1e-12)
        assert [shown["interval"]["low"], shown["interval"]["high"]] == pytest.approx([value.dr.low, value.dr.high])
        assert shown["ips"] == pytest.approx(value.ips.estimate)
        assert shown["snips"] == pytest.approx(value.snips.estimate)
        assert shown["effective_decisions"] == pytest.approx(value.ips.ess)


def test_a_variant_always_clicked_is_estimated_above_one_never_clicked(evaluated):
    _, admin, _, _ = evaluated
    estimates = {p["policy"]: p["estimate"] for p in admin.get(API.format("tips")).json()["off_policy"]["policies"]}
    assert estimates["always t1 (fallback)"] == pytest.approx(1.0, abs=0.35)  # a third of decisions, weighed by 3
    assert estimates["always t2"] == pytest.approx(0.0, abs=0.05)


def test_the_results_page_shows_the_table_with_when_it_was_computed(evaluated):
    _, admin, _, expected = evaluated
    response = admin.get(RESULTS.format("tips"))
    assert response.status_code == 200
    page = response.text
    assert "What other policies would have earned" in page and "last 30 days" in page
    assert "Computed less than a minute ago" in page and "Being computed" not in page
    rows = _page_rows(page)
    for value in expected["tips"].values:
        estimate, interval, _ips, _snips, ess, notes = rows[value.policy]
        assert estimate == f"{value.dr.estimate:.3f}"
        assert interval == f"{value.dr.low:.3f} to {value.dr.high:.3f}"
        assert ess == f"{value.ips.ess:.0f}"
        assert ("rough guide" in notes) == (value.ips.ess < 30)
    assert rows["as logged"][5] == "what the traffic actually earned"


def test_the_age_counts_up_until_the_next_run(evaluated):
    _, admin, done, _ = evaluated
    seven_minutes_on = (done.computed_at + 7 * 60_000) * 1_000_000
    with mock.patch("server.admin.reporting.pages_reports.time.time_ns", return_value=seven_minutes_on):
        page = admin.get(RESULTS.format("hero")).text
    assert "Computed 7 minutes ago" in page


def test_before_the_first_run_the_page_says_it_is_being_computed(tmp_path):
    with admin_app(tmp_path / "data", config=TEST_CONFIG) as app:
        app.runtime.off_policy.stop()  # as in the first seconds after start: no run has finished
        _visit(app, 5)
        admin = signed_in(app)
        response = admin.get(RESULTS.format("hero"))
        assert response.status_code == 200
        assert "Being computed" in response.text and 'id="off-policy"' not in response.text
        found = admin.get(API.format("hero")).json()["off_policy"]
        assert found["state"] == "computing" and found["policies"] == [] and found["computed_at"] is None


def test_a_server_with_the_evaluation_turned_off_says_so_and_starts_no_replay(tmp_path):
    with admin_app(tmp_path / "data", config=TEST_CONFIG, evaluate_minutes=0) as app:
        _visit(app, 5)
        assert not app.runtime.off_policy._thread.is_alive()
        found = signed_in(app).get(API.format("hero")).json()["off_policy"]
        assert found["state"] == "failed" and "ATTUNE_EVALUATE_MINUTES=0" in found["failure"], found


def test_a_failed_evaluation_is_logged_and_the_page_still_renders(tmp_path, caplog):
    with admin_app(tmp_path / "data", config=TEST_CONFIG) as app:
        evaluator = app.runtime.off_policy
        evaluator.stop()
        _visit(app, 10)
        admin = signed_in(app)
        broken = mock.patch("server.evaluate.background.evaluate_in_worker", side_effect=RuntimeError("replay broke"))
        with caplog.at_level(logging.ERROR, logger="attune.evaluate"), broken:
            evaluator.run_once(now_ms=_later_ms())
        assert "off-policy evaluation of site pk_test failed" in caplog.text and "replay broke" in caplog.text
        response = admin.get(RESULTS.format("hero"))
        assert response.status_code == 200 and "Results of hero" in response.text
        assert "could not be computed (RuntimeError: replay broke)" in response.text
        assert admin.get(API.format("hero")).json()["off_policy"]["state"] == "failed"

        evaluator.run_once(now_ms=_later_ms())  # the next run succeeds
        with broken:
            evaluator.run_once(now_ms=_later_ms())  # and the one after fails: the last estimates stay, with a warning
        page = admin.get(RESULTS.format("hero")).text
        assert 'id="off-policy"' in page and "The latest run failed (RuntimeError: replay broke)" in page
        assert admin.get(API.format("hero")).json()["off_policy"]["state"] == "ready"


def test_the_evaluation_trains_fresh_policies_and_leaves_the_live_ones_alone(evaluated):
    app, _, _, _ = evaluated
    app.pass_time(5)  # every window closed and learned: from here only the evaluation could change the policy
    live = app.runtime.sites.policy_for("pk_test", "hero")
    variants, features = ["classic", "deal", "story", "app"], ["device=mobile"]
    before, learned = live.expected_rewards(variants, features).copy(), app.runtime.learner.learner.learned
    app.runtime.off_policy.run_once(now_ms=_later_ms())
    assert app.runtime.sites.policy_for("pk_test", "hero") is live
    assert app.runtime.learner.learner.learned == learned
    assert live.expected_rewards(variants, features) == pytest.approx(before, rel=0, abs=0)


def test_one_site_failing_in_the_worker_leaves_the_others_estimates(evaluated):
    app, _, _, _ = evaluated
    now = _later_ms()
    logs = [SiteLog(site, now - DAY_MS, *recent_tables(app.runtime.event_log, site="pk_test", since_ms=now - DAY_MS))
            for site in ("no_such_site", "pk_test")]
    broken, fine = evaluate(EvaluationRequest(app.runtime.sites.config, now, logs))
    assert broken.reports is None and broken.error.startswith("UnknownSite")
    assert fine.error is None and {r.block for r in fine.reports} >= {"hero", "tips"}


def test_stopping_the_server_ends_an_evaluation_in_progress(evaluated):
    app, _, _, _ = evaluated
    evaluator = BackgroundEvaluator(sites=app.runtime.sites, event_log=app.runtime.event_log, first_run=0)
    evaluator.start()
    settle(lambda: evaluator._worker is not None)  # the worker process has started
    worker = evaluator._worker
    started = time.monotonic()
    evaluator.stop()
    assert time.monotonic() - started < 2 and worker.poll() is not None  # killed, not waited for
    assert evaluator.latest("pk_test") is None and evaluator.failed("pk_test") is None  # cut short, not failed
