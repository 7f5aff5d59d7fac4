"""The retention job deletes each kind of row after its site's period, and no sooner (real DuckDB, injected clock)."""

from __future__ import annotations

import time

import pytest

from server.config.loader import parse_config
from server.privacy.retention import BATCH, DAY_MS, RetentionThread, run_once
from server.sites import SiteRegistry
from server.storage.event_log import EventLog
from server.storage.rollup import VERSION, fold
from server.storage.rows import DecisionRow, EventRow, new_decision_id
from server.storage.writer import GroupCommitWriter
from tests.support.inprocess import settle

NOW = 1_800_000_000_000  # 2027-01-15: every age below is counted back from here


def config(**short_retention) -> SiteRegistry:
    """pk_short with the given periods, pk_long with the defaults (90, 730, 1825 days)."""
    block = {"id": "hero", "fallback": "a", "variants": [{"id": "a"}, {"id": "b"}]}
    return SiteRegistry(parse_config({"sites": [
        {"key": "pk_short", "blocks": [block], "privacy": {"retention": short_retention}},
        {"key": "pk_long", "blocks": [block]},
    ]}))


def decision(site: str, days_old: float, visitor: str = "v-hash") -> DecisionRow:
    at = NOW - int(days_old * DAY_MS)
    return DecisionRow(decision_id=new_decision_id(at), site=site, block="hero", variant="b", candidates=["a", "b"],
                       propensity=0.5, policy="contextual", policy_version=0, context='{"device": "mobile"}',
                       explored=False, holdout=False, reason="model", visitor=visitor, window_ms=600_000,
                       feedback="thumbs", decided_at=at)


def event(kind: str, of: DecisionRow | None, *, site: str | None = None, days_old: float | None = None,
          value: float | None = None) -> EventRow:
    at = NOW - int(days_old * DAY_MS) if days_old is not None else of.decided_at + 1_000
    return EventRow(id=f"{kind}-{at}-{of.decision_id if of else site}", site=site or of.site, visitor="v-hash",
                    type=kind, decision_id=of.decision_id if of else None, value=value, ts=at, received_at=at)


@pytest.fixture
def log(tmp_path):
    event_log = EventLog(tmp_path / "attune.duckdb")
    writer = GroupCommitWriter(event_log, on_commit=lambda d, e: None)
    writer.start()
    counted_up_to(writer, NOW - DAY_MS)  # as the rollup thread would have by now
    yield event_log, writer
    writer.stop()
    event_log.close()


def counted_up_to(writer, below: int) -> None:
    """The results rollup's watermark: decisions before it are counted (what `fold` leaves behind)."""
    writer.run_job_blocking(lambda cursor: cursor.execute(
        "DELETE FROM results_folded; INSERT INTO results_folded VALUES ($v, $below)", {"v": VERSION, "below": below}))


def store(log, decisions=(), events=(), sql: str = "", params=()) -> None:
    event_log, writer = log
    writer.run_job_blocking(lambda cursor: event_log.append(cursor, list(decisions), list(events)))
    if sql:
        writer.run_job_blocking(lambda cursor: cursor.executemany(sql, params))


def ids(log, sql: str) -> set:
    event_log, writer = log
    return {r[0] for r in writer.run_job_blocking(lambda cursor: cursor.execute(sql).fetchall())}


def test_rows_past_the_behaviour_period_go_and_rows_within_it_stay(log):
    old, recent = decision("pk_short", 31), decision("pk_short", 29)
    store(log, [old, recent], [event("impression", old), event("click", old), event("timing", old),
                               event("impression", recent), event("error", recent)])
    runs = run_once(sites=config(behaviour_days=30), writer=log[1], event_log=log[0], now_ms=NOW)
    assert ids(log, "SELECT decision_id FROM decisions") == {recent.decision_id}
    assert ids(log, "SELECT type FROM events") == {"impression", "error"}
    assert ids(log, "SELECT decision_id FROM events") == {recent.decision_id}
    assert {(r.site, r.kind): r.deleted for r in runs}[("pk_short", "behaviour")] == 4  # 1 decision, 3 events


def test_each_site_keeps_its_own_periods(log):
    short, long = decision("pk_short", 100), decision("pk_long", 100)
    default_kept = decision("pk_long", 89)
    store(log, [short, long, default_kept], [event("impression", short), event("impression", long)])
    run_once(sites=config(behaviour_days=200), writer=log[1], event_log=log[0], now_ms=NOW)
    assert ids(log, "SELECT decision_id FROM decisions") == {short.decision_id, default_kept.decision_id}
    assert ids(log, "SELECT decision_id FROM events") == {short.decision_id}


def test_feedback_outlives_behaviour_and_keeps_the_decision_it_rates_without_its_context(log):
    rated, clicked, long_ago = decision("pk_short", 40), decision("pk_short", 40), decision("pk_short", 400)
    store(log, [rated, clicked, long_ago], [
        event("impression", rated), event("rating", rated, value=-1), event("impression", clicked),
        event("click", clicked), event("rating", long_ago, value=1),
    ], sql="INSERT INTO visitor_interests VALUES (?, ?, ?, ?)",
        params=[("pk_short", "chose-long-ago", ["garden"], NOW - 400 * DAY_MS),
                ("pk_short", "chose-lately", ["books"], NOW - 10 * DAY_MS)])
    forgotten = []  # what decide's memory of interests is told to drop
    runs = run_once(sites=config(behaviour_days=30, feedback_days=365), writer=log[1], event_log=log[0], now_ms=NOW,
                    forget_interests=lambda *, site, visitor: forgotten.append((site, visitor)))
    assert ids(log, "SELECT type FROM events") == {"rating"}
    assert ids(log, "SELECT decision_id FROM events") == {rated.decision_id}  # the year-old rating went
    # the rated decision stays with its rating (so a thumbs-down keeps the variant hidden), minus its context
    kept = log[1].run_job_blocking(lambda c: c.execute("SELECT decision_id, variant, visitor, context "
                                                       "FROM decisions").fetchall())
    assert kept == [(rated.decision_id, "b", "v-hash", "{}")]
    assert ids(log, "SELECT visitor FROM visitor_interests") == {"chose-lately"}
    assert forgotten == [("pk_short", "chose-long-ago")]
    deleted = {(r.site, r.kind): r.deleted for r in runs}
    assert deleted[("pk_short", "feedback")] == 2 and deleted[("pk_short", "behaviour")] == 5


def test_survey_answers_and_displays_are_feedback(log):
    """A survey shown or dismissed lives as long as the answers: else, past behaviour_days and a restart, a dismissed
    survey would be offered again."""
    answered, shown, dismissed = (event(kind, None, site="pk_short", days_old=40)
                                  for kind in ("survey_answer", "survey_shown", "survey_dismissed"))
    expired, expired_shown = (event(kind, None, site="pk_short", days_old=400)
                              for kind in ("survey_answer", "survey_shown"))
    for row in (answered, shown, dismissed, expired, expired_shown):
        row.survey, row.question, row.text = "nps", "why", "Too slow"
    store(log, events=[answered, shown, dismissed, expired, expired_shown])
    runs = run_once(sites=config(behaviour_days=30, feedback_days=365), writer=log[1], event_log=log[0], now_ms=NOW)
    assert ids(log, "SELECT id FROM events") == {answered.id, shown.id, dismissed.id}
    deleted = {(r.site, r.kind): r.deleted for r in runs}
    assert deleted[("pk_short", "feedback")] == 2 and deleted[("pk_short", "behaviour")] == 0


def test_receipts_outlive_behaviour_and_feedback(log):
    store(log, sql="INSERT INTO consent_receipts VALUES (?, 'pk_short', 'v-hash', true, true, false, 'banner', '1', "
                   "false, ?)", params=[("c-old", NOW - 1900 * DAY_MS), ("c-kept", NOW - 1000 * DAY_MS)])
    store(log, sql="INSERT INTO erasure_receipts VALUES (?, 'pk_short', ?, 1, 2, 1, 0, 0)",
          params=[("e-old", NOW - 1900 * DAY_MS), ("e-kept", NOW - 1000 * DAY_MS)])
    store(log, sql="INSERT INTO privacy_requests VALUES ('pk_short', ?, ?)",
          params=[("erase", NOW - 1900 * DAY_MS), ("export", NOW - 1000 * DAY_MS)])
    old_behaviour = decision("pk_short", 1000)
    store(log, [old_behaviour], [event("rating", old_behaviour, value=1)])
    runs = run_once(sites=config(), writer=log[1], event_log=log[0], now_ms=NOW)
    assert ids(log, "SELECT receipt FROM consent_receipts") == {"c-kept"}
    assert ids(log, "SELECT receipt FROM erasure_receipts") == {"e-kept"}
    assert ids(log, "SELECT kind FROM privacy_requests") == {"export"}
    assert ids(log, "SELECT count(*) FROM decisions") == {0} and ids(log, "SELECT count(*) FROM events") == {0}
    assert {(r.site, r.kind): r.deleted for r in runs}[("pk_short", "consent")] == 3


def test_every_run_is_recorded_per_site_and_kind_even_when_nothing_went(log):
    store(log, [decision("pk_long", 100)])
    run_once(sites=config(), writer=log[1], event_log=log[0], now_ms=NOW - DAY_MS)
    run_once(sites=config(), writer=log[1], event_log=log[0], now_ms=NOW)
    recorded = log[1].run_job_blocking(lambda c: c.execute(
        "SELECT ran_at, site, kind, deleted FROM retention_runs ORDER BY ALL").fetchall())
    assert len(recorded) == 12
    assert (NOW - DAY_MS, "pk_long", "behaviour", 1) in recorded
    assert (NOW, "pk_long", "behaviour", 0) in recorded and (NOW, "pk_short", "consent", 0) in recorded


def test_many_rows_go_in_batches_and_uncounted_decisions_wait_for_the_rollup(log):
    event_log, writer = log
    old = [decision("pk_long", 100 + i / 10_000) for i in range(BATCH * 2 + 7)]
    writer.run_job_blocking(lambda cursor: event_log.append(cursor, old, []))
    counted_up_to(writer, NOW - 200 * DAY_MS)
    before_the_fold = run_once(sites=config(), writer=writer, event_log=event_log, now_ms=NOW)  # not counted yet
    assert {(r.site, r.kind): r.deleted for r in before_the_fold}[("pk_long", "behaviour")] == 0
    writer.run_job_blocking(lambda cursor: fold(cursor, now_ms=NOW))  # the rollup thread's next turn
    runs = run_once(sites=config(), writer=writer, event_log=event_log, now_ms=NOW)
    assert {(r.site, r.kind): r.deleted for r in runs}[("pk_long", "behaviour")] == BATCH * 2 + 7
    assert ids(log, "SELECT count(*) FROM decisions") == {0}


def test_the_thread_runs_soon_after_start_on_its_clock_and_stops_at_once(log):
    event_log, writer = log
    store(log, [decision("pk_long", 100)])
    thread = RetentionThread(sites=config(), writer=writer, event_log=event_log, now_ms=lambda: NOW,
                             first_run=0.01, interval=3600)
    thread.start()
    settle(lambda: ids(log, "SELECT count(*) FROM retention_runs") == {6})
    started = time.monotonic()
    thread.stop()  # waiting an hour for the next run must not hold up a shutdown
    assert time.monotonic() - started < 1
    assert ids(log, "SELECT count(*) FROM decisions") == {0}
