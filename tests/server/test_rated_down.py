""""Rated down" has one rule on the server: the live learner and the start-up rebuild from the log both follow the
shared cases in tests/contract/rated_down.json, which the widget's tests read too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.feedback.suppression import is_rated_down
from server.storage.event_log import EventLog
from server.storage.rows import DecisionRow, EventRow

CASES = json.loads((Path(__file__).parents[1] / "contract" / "rated_down.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['feedback']}:{c['value']}")
def test_is_rated_down_follows_the_shared_cases(case):
    assert is_rated_down(case["feedback"], case["value"]) is case["rated_down"]


def test_the_log_rebuilds_suppression_by_the_same_cases(tmp_path):
    log = EventLog(tmp_path / "attune.duckdb")
    decisions, events = [], []
    for i, case in enumerate(CASES):
        at = 1_760_000_000_000 + i
        decisions.append(DecisionRow(
            decision_id=f"d{i}", site="pk_test", block="hero", variant=f"case{i}", candidates=[f"case{i}"],
            propensity=1.0, policy="uniform", policy_version=0, context="{}", explored=False, holdout=False,
            reason="model", visitor="v1", window_ms=1_000, feedback=case["feedback"], decided_at=at))
        events.append(EventRow(id=f"e{i}", site="pk_test", visitor="v1", type="rating", decision_id=f"d{i}",
                               value=float(case["value"]), ts=None, received_at=at + 10))
    for seq, row in enumerate([*decisions, *events], start=1):
        row.seq = seq
    log.append(log.cursor(), decisions, events)
    found = {variant for _, _, _, variant in log.rated_down(log.cursor())}
    log.close()
    assert found == {f"case{i}" for i, case in enumerate(CASES) if case["rated_down"]}
