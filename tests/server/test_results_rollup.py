"""The results rollup: however far the fold has got, a results page shows what the raw log alone would show."""

from __future__ import annotations

import random
import time

import msgspec
import pytest

from server.admin.reporting.results import block_results
from server.config.loader import load_config
from server.storage import rollup
from server.storage.event_log import EventLog
from server.storage.rows import DecisionRow, EventRow
from tests.server.conftest import TEST_CONFIG

HOUR = 3_600_000
START = 1_700_000_000_000


def _random_log(log: EventLog, *, seed: int, n: int = 3_000, hours: int = 6) -> int:
    """Decisions over `hours` with every kind of outcome, including the edge cases of the reward window."""
    rng = random.Random(seed)
    decisions, events = [], []
    for i in range(n):
        at = START + rng.randrange(hours * HOUR)
        stars = rng.random() < 0.3
        holdout, disabled = rng.random() < 0.1, rng.random() < 0.05
        candidates = ["classic", "deal", "story", "app"][: rng.choice([2, 3, 4])]
        decisions.append(DecisionRow(
            decision_id=f"d{i}", site="pk_test", block=rng.choice(["hero", "hero", "recs"]),
            variant=rng.choice(candidates), candidates=candidates, propensity=rng.choice([0.05, 0.25, 0.5, 0.9]),
            policy="contextual", policy_version=0, context="{}", explored=rng.random() < 0.2, holdout=holdout,
            reason="disabled" if disabled else "holdout" if holdout else "model", summary=None, visitor=None,
            window_ms=rng.choice([1_000, 60_000, 600_000]), feedback="stars" if stars else "thumbs", decided_at=at))
        seen_after = rng.choice([None, 50, 2_000, 29 * 60_000, 31 * 60_000])  # the last is too late to count
        for kind, after in [("impression", seen_after), ("impression", None if seen_after is None else seen_after + 5),
                            ("click", rng.choice([None, None, 10, 500, 70_000, 700_000])),
                            ("dismiss", rng.choice([None, None, None, 300])),
                            ("rating", rng.choice([None, None, 20, 900, 90_000]))]:
            if after is not None:
                value = (rng.randint(1, 5) if stars else rng.choice([-1, 1])) if kind == "rating" else None
                events.append(EventRow(id=f"{kind}{i}-{after}", site="pk_test", visitor=None, type=kind,
                                       decision_id=f"d{i}", value=value, ts=None, received_at=at + after))
    decisions.sort(key=lambda d: d.decided_at)
    events.sort(key=lambda e: e.received_at)
    for seq, row in enumerate([*decisions, *events], start=1):
        row.seq = seq
    log.append(log.cursor(), decisions, events)
    return n


def _results(log: EventLog) -> dict:
    site = load_config(TEST_CONFIG).sites[0]
    return {block.id: msgspec.to_builtins(block_results(log.cursor(), site=site, block=block))
            for block in site.blocks if block.id in ("hero", "recs")}


def _same(a, b) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _same(a[key], b[key])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12)
    else:
        assert a == b


def _rolled_up(log: EventLog) -> int:
    return log.cursor().execute("SELECT coalesce(sum(decisions), 0) FROM results_rollup").fetchone()[0]


@pytest.mark.parametrize(("seed", "hours", "grain"), [(1, 6, rollup.MINUTE_MS), (2, 6, rollup.MINUTE_MS),
                                                      (5, 40, rollup.HOUR_MS), (6, 45 * 24, rollup.DAY_MS)])
def test_results_are_the_same_whatever_the_fold_has_reached(tmp_path, seed, hours, grain):
    """Over 30 hours a block's rows merge into hours, over 30 days into days: the page must not change."""
    log = EventLog(tmp_path / "attune.duckdb")
    n = _random_log(log, seed=seed, hours=hours)
    from_the_raw_log = _results(log)
    assert sum(v["decisions"] for r in from_the_raw_log.values() for v in r["variants"]) == n
    cursor = log.cursor()
    folded = []
    for now in [START + 30 * 60_000, START + int(0.3 * hours * HOUR), START + int(0.8 * hours * HOUR),
                START + (hours + 2) * HOUR, START + (hours + 30) * HOUR]:
        below = rollup.fold(cursor, now_ms=now)
        assert below <= now - rollup.DECISION_TTL_MS - 600_000 - rollup.SETTLE_MS  # only outcomes that are final
        folded.append(_rolled_up(log))
        _same(_results(log), from_the_raw_log)
    assert folded[0] == 0 and 0 < folded[1] < folded[2] < folded[3] == n == folded[4]  # it did fold, a part at a time
    minutes = [m for (m,) in cursor.execute("SELECT minute FROM results_rollup WHERE block = 'hero'").fetchall()]
    assert all(m % grain == 0 for m in minutes) and (grain == rollup.DAY_MS or any(m % (2 * grain) for m in minutes))
    keys = "site, block, minute, variant, holdout, explored, disabled, feedback, seen, clicked, dismissed, rating"
    assert cursor.execute(f"SELECT count(*) = count(DISTINCT ({keys})) FROM results_rollup").fetchone()[0]  # merged
    log.close()


def test_the_fold_survives_a_reopen_and_rebuilds_when_its_version_changes(tmp_path):
    path = tmp_path / "attune.duckdb"
    log = EventLog(path)
    n = _random_log(log, seed=3)
    rollup.fold(log.cursor(), now_ms=START + 4 * HOUR)
    before = _results(log), _rolled_up(log)
    log.close()

    log = EventLog(path)  # a restart: the watermark and rows are where they were, a repeat fold adds nothing
    assert rollup.folded_below(log.cursor()) > START
    rollup.fold(log.cursor(), now_ms=START + 4 * HOUR)
    assert _rolled_up(log) == before[1]
    _same(_results(log), before[0])
    log.cursor().execute("UPDATE results_folded SET version = version - 1")  # as if written by an older Attune
    assert rollup.folded_below(log.cursor()) == 0  # an outdated rollup is not read
    _same(_results(log), before[0])
    rollup.fold(log.cursor(), now_ms=START + 30 * HOUR)
    assert _rolled_up(log) == n
    _same(_results(log), before[0])
    log.close()


def test_the_rollup_thread_folds_an_old_log_when_attune_starts(tmp_path):
    log = EventLog(tmp_path / "attune.duckdb")
    n = _random_log(log, seed=4, n=500)  # all of it days old
    thread = rollup.RollupThread(log, interval=3600)
    thread.start()
    deadline = time.monotonic() + 10
    while _rolled_up(log) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    thread.stop()
    assert _rolled_up(log) == n
    log.close()
