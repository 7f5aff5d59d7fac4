"""`attune evaluate`, run as a user would, on a real DuckDB log written by the app `attune serve` runs (in this
process, through its HTTP API)."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import time

import pytest

from server.cli import main as attune_command
from server.evaluate.command import since_ms
from tests.server.conftest import TEST_CONFIG, decide, new_id, send
from tests.support.inprocess import attune
from tests.support.server import ROOT

VISITORS = 150
DEVICES = ("mobile", "tablet")  # contexts no rule touches: every variant stays a candidate


def evaluate(data_dir, *args: str, subprocess_run: bool = False) -> subprocess.CompletedProcess:
    """`attune evaluate ...`: in this process (the same `main`, without an interpreter's start-up), or as a
    process of its own when the test is about the command as a user runs it."""
    argv = ["evaluate", "--data-dir", str(data_dir), "--config", str(TEST_CONFIG),
            "--site", "pk_test",  # the test config has two sites; a later --site wins
            *args]
    if subprocess_run:
        return subprocess.run([sys.executable, "-m", "server.cli", *argv], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = attune_command(argv)
        except SystemExit as exit_:  # argparse refusing an argument
            code = exit_.code
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """A stopped server's data dir: visitors always click tip t1 and hero "story", never anything else."""
    data_dir = tmp_path_factory.mktemp("evaluate") / "data"
    with attune(data_dir, config=TEST_CONFIG) as app:
        for n in range(VISITORS):
            decisions = decide(app.client, ["tips", "hero"], visitor=new_id(), context={"device": DEVICES[n % 2]})
            events = []
            for decision in decisions:
                events.append({"id": new_id(), "type": "impression", "decision_id": decision["decision_id"]})
                if decision["variant"] in ("t1", "story"):
                    events.append({"id": new_id(), "type": "click", "decision_id": decision["decision_id"]})
            send(app.client, events)
        last_sent = time.time()
        while_running = evaluate(data_dir, "--json", subprocess_run=True)  # this process holds the log, as a server
    # evaluate closes windows by its own clock: the last ones (1 s in this config) must have ended
    time.sleep(max(0.0, last_sent + 1.1 - time.time()))
    return data_dir, while_running


def test_a_running_server_holding_the_log_gets_a_clear_refusal_not_a_traceback(logged):
    _, while_running = logged
    assert while_running.returncode == 2
    assert "held by a running attune server" in while_running.stderr and "stop the server" in while_running.stderr
    assert "Traceback" not in while_running.stderr


def test_a_variant_always_clicked_is_worth_more_than_one_never_clicked(logged):
    data_dir, _ = logged
    result = evaluate(data_dir, "--json", "--block", "tips")
    assert result.returncode == 0, result.stderr
    (tips,) = json.loads(result.stdout)["blocks"]
    assert tips["policy"] == "uniform" and tips["decisions"] == VISITORS
    values = {p["policy"]: p for p in tips["policies"]}
    assert set(values) == {"uniform", "always t1 (fallback)", "always t2", "always t3", "current policy"}
    for estimator in ("ips", "snips", "dr"):
        clicked, never = values["always t1 (fallback)"][estimator], values["always t2"][estimator]
        assert clicked["estimate"] == pytest.approx(1.0, abs=0.35)  # ~50 of 150 decisions, each weighted by 3
        assert never["estimate"] == pytest.approx(0.0, abs=1e-9)
        assert clicked["low"] > never["high"]
    # uniform is what was logged: IPS gives back exactly what the traffic earned, and so does SNIPS (weights all 1)
    assert values["uniform"]["ips"]["estimate"] == pytest.approx(tips["logged"]["estimate"])
    assert values["uniform"]["snips"]["estimate"] == pytest.approx(tips["logged"]["estimate"])
    # DR's reward model learns t1 -> 1 and the rest -> 0, so it gives uniform's true value, 1/3, whatever share
    # t1 happened to get in this run (its share is binomial: 1/3 ± 0.04, so the traffic's mean wanders as much)
    assert values["uniform"]["dr"]["estimate"] == pytest.approx(1 / 3, abs=0.02)


def test_the_current_policy_acting_greedily_beats_uniform_once_it_has_learned(logged):
    data_dir, _ = logged
    result = evaluate(data_dir, "--json", "--block", "hero")
    assert result.returncode == 0, result.stderr
    (hero,) = json.loads(result.stdout)["blocks"]
    values = {p["policy"]: p["dr"] for p in hero["policies"]}
    assert values["current policy, greedy"]["estimate"] > values["uniform"]["estimate"] + 0.3
    assert values["always story"]["estimate"] > max(values[f"always {v}"]["estimate"] for v in ("deal", "app"))
    for value in values.values():
        assert value["low"] <= value["estimate"] <= value["high"] and value["n"] == VISITORS


def test_tables_by_default_and_nothing_since_a_later_time(logged):
    data_dir, _ = logged
    result = evaluate(data_dir, "--block", "tips", subprocess_run=True)  # the command, as a user runs it
    assert result.returncode == 0, result.stderr
    assert "pk_test/tips  (uniform policy, 150 decisions)" in result.stdout
    assert "DR 95% interval" in result.stdout and "always t2" in result.stdout
    later = json.loads(evaluate(data_dir, "--json", "--since", "2999-01-01").stdout)
    assert {b["block"]: b["decisions"] for b in later["blocks"]} == {
        "hero": 0, "recs": 0, "banner": 0, "retired": 0, "tips": 0,
    }


def test_unknown_names_and_bad_times_are_explained(logged):
    data_dir, _ = logged
    for args, message in ((("--site", "pk_nope"), "unknown site 'pk_nope'"),
                          (("--block", "nope"), "unknown block 'nope'"),
                          (("--since", "yesterday"), "--since: 'yesterday'")):
        result = evaluate(data_dir, *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr


def test_since_takes_a_date_with_or_without_a_zone_or_a_span_back_from_now():
    assert since_ms(None, now_ms=5) == 0
    assert since_ms("2h", now_ms=10_000_000) == 10_000_000 - 2 * 3_600_000
    assert since_ms("7d", now_ms=10**12) == 10**12 - 7 * 86_400_000
    assert since_ms("2025-05-01T00:00+00:00", now_ms=0) == 1_746_057_600_000
    assert abs(since_ms("2025-05-01", now_ms=0) - 1_746_057_600_000) <= 14 * 3_600_000  # local midnight
    with pytest.raises(ValueError, match="neither a date"):
        since_ms("last week", now_ms=0)
