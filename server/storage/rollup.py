"""Results rollup: each decision's final outcome, counted per minute, so a results page reads thousands of rows.

A decision's outcome (seen? clicked, dismissed, rated inside its reward window?) is final once
its window can no longer change: it must be seen within the learner's 30 minutes
(online_learning/join.py), its window lasts `window_ms` from then, and events reach the log a
few seconds after the server stamps them (`SETTLE_MS` allows minutes). Decisions older than that
are folded into `results_rollup`, minute by minute, in one transaction with the watermark
`results_folded.below`; the results query counts the rollup below the watermark and the raw log
above it, in one snapshot, so every decision is counted exactly once whenever the fold runs.
Once a block's span passes 30 hours its rows merge into hours, past 30 days into days: its chart's
bucket is then at least that wide, so a long-lived block keeps a few thousand rows.

Rewards are not stored: the rollup keeps outcome classes, and the query applies the site's
current weights, so a change of weights shows on the results page at once.
"""

from __future__ import annotations

import logging
import threading
import time

from online_learning.join import DECISION_TTL_MS

log = logging.getLogger("attune.rollup")

MINUTE_MS, HOUR_MS, DAY_MS = 60_000, 3_600_000, 86_400_000
# The time series' bucket: the smallest that gives at most ~120 points over the block's span. Each divides the next.
BUCKETS_MS = [MINUTE_MS, 5 * MINUTE_MS, 15 * MINUTE_MS, HOUR_MS, 6 * HOUR_MS, DAY_MS, 7 * DAY_MS]
SETTLE_MS = 5 * 60_000  # an event stamped this long ago is surely committed
CHUNK_MS = DAY_MS  # a first fold of a long log runs a day per transaction
VERSION = 1  # bump when the outcome classes change: the rollup is rebuilt from the log

SCHEMA = """
CREATE TABLE IF NOT EXISTS results_rollup (
    site VARCHAR NOT NULL, block VARCHAR NOT NULL, minute BIGINT NOT NULL, variant VARCHAR NOT NULL,
    holdout BOOLEAN, explored BOOLEAN, disabled BOOLEAN, feedback VARCHAR,
    seen BOOLEAN, clicked BOOLEAN, dismissed BOOLEAN, rating DOUBLE,
    decisions BIGINT NOT NULL, inverse_kp DOUBLE NOT NULL  -- sum of 1 / (candidates x propensity), for IPS
);
CREATE TABLE IF NOT EXISTS results_folded (version INTEGER NOT NULL, below BIGINT NOT NULL);
"""

# Every decision made in [$from, $to) (of one site and block: {where}), as counts per outcome class.
# Counted as the learner counts: seen = a first impression within the TTL; a click, dismissal or
# rating counts up to the close of the window, which opens at that impression and closes early
# at a rating. Events are bounded by time so DuckDB skips old row groups.
OUTCOME_CLASSES = """
WITH d AS (
    SELECT decision_id, site, block, variant, holdout, explored, reason = 'disabled' AS disabled, feedback,
           decided_at, window_ms, 1 / (len(candidates) * propensity) AS inverse_kp
    FROM decisions WHERE decided_at >= $from AND decided_at < $to {where}
), recent AS (
    SELECT site, decision_id, type, received_at, value FROM events
    WHERE received_at >= $from - $skew AND received_at < $events_to {event_where} {for_these}
), opened AS (
    SELECT site, decision_id, min(received_at) AS seen_at FROM recent WHERE type = 'impression' GROUP BY ALL
), responses AS (
    SELECT site, decision_id, min(received_at) FILTER (WHERE type = 'click') AS clicked_at,
           min(received_at) FILTER (WHERE type = 'dismiss') AS dismissed_at,
           min(received_at) FILTER (WHERE type = 'rating') AS rated_at,
           arg_min(value, received_at) FILTER (WHERE type = 'rating') AS first_rating
    FROM recent WHERE type IN ('click', 'dismiss', 'rating') GROUP BY ALL
), outcomes AS (
    SELECT d.*, o.seen_at IS NOT NULL AND o.seen_at < d.decided_at + $ttl AS seen,
           CASE WHEN r.rated_at IS NULL THEN o.seen_at + d.window_ms
                ELSE least(o.seen_at + d.window_ms, greatest(o.seen_at, r.rated_at)) END AS closes_at,
           r.clicked_at, r.dismissed_at, r.rated_at, r.first_rating
    FROM d LEFT JOIN opened o USING (site, decision_id) LEFT JOIN responses r USING (site, decision_id)
)
SELECT site, block, decided_at // 60000 * 60000 AS minute, variant, holdout, explored, disabled, feedback, seen,
       seen AND coalesce(clicked_at <= closes_at, false) AS clicked,
       seen AND coalesce(dismissed_at <= closes_at, false) AS dismissed,
       CASE WHEN seen AND rated_at <= closes_at THEN first_rating END AS rating,
       count(*) AS decisions, sum(inverse_kp) AS inverse_kp
FROM outcomes GROUP BY ALL
"""
BLOCK_FILTER = "AND site = $site AND block = $block"
EVENT_SITE_FILTER = "AND site = $site"
SKEW_MS = 60_000  # an event's stamp may precede its decision's by a clock step between them


def outcome_classes(*, one_block: bool) -> str:
    """One block's classes for a results page, or every block's for a fold (which reads only its decisions' events:
    a minute's fold would otherwise group the half hour of events after it)."""
    if one_block:
        return OUTCOME_CLASSES.format(where=BLOCK_FILTER, event_where=EVENT_SITE_FILTER, for_these="")
    return OUTCOME_CLASSES.format(where="", event_where="", for_these="AND decision_id IN (SELECT decision_id FROM d)")


def folded_below(cursor) -> int:
    """Decisions made before this instant are in the rollup; later ones are counted from the log."""
    row = cursor.execute("SELECT below FROM results_folded WHERE version = $v", {"v": VERSION}).fetchone()
    return row[0] if row else 0


def fold(cursor, *, now_ms: int, stopping: threading.Event | None = None) -> int:
    """Fold every decision whose outcome is final into the rollup; returns the new watermark."""
    below = _reset_if_outdated(cursor)
    first, longest_window = cursor.execute(
        "SELECT min(decided_at), max(window_ms) FROM decisions WHERE decided_at >= $below", {"below": below}).fetchone()
    if first is None:
        return below
    target = _floor(now_ms - DECISION_TTL_MS - (longest_window or 0) - SETTLE_MS)
    start = max(below, _floor(first))
    while start < target and not (stopping and stopping.is_set()):
        end = min(target, start + CHUNK_MS)
        cursor.execute("BEGIN")
        try:
            cursor.execute(f"INSERT INTO results_rollup {outcome_classes(one_block=False)}", {
                "from": start, "to": end, "skew": SKEW_MS, "ttl": DECISION_TTL_MS,
                "events_to": end + DECISION_TTL_MS + (longest_window or 0) + SKEW_MS,  # later ones count for nothing
            })
            cursor.execute("DELETE FROM results_folded")
            cursor.execute("INSERT INTO results_folded VALUES ($v, $below)", {"v": VERSION, "below": end})
            cursor.execute("COMMIT")
        except Exception:
            cursor.execute("ROLLBACK")
            raise
        if end // HOUR_MS > below // HOUR_MS:  # hourly: a long-lived block keeps a few rows per hour or day
            compact(cursor)
        below = start = end
        next_first = cursor.execute("SELECT min(decided_at) FROM decisions WHERE decided_at >= $s",
                                    {"s": start}).fetchone()[0]
        if next_first is not None and _floor(next_first) > start:
            start = min(target, _floor(next_first))  # skip a quiet spell instead of folding empty days
    return below


def bucket_for(span_ms: int) -> int:
    return next((b for b in BUCKETS_MS if span_ms / b <= 120), BUCKETS_MS[-1])


def grain_for(first_minute: int, last_minute: int) -> int:
    """The coarsest grain a block's rows can be merged to: its series' bucket is, and stays, a multiple of it
    (a span only grows, and merging floors its ends, so the span is judged as it will be after merging)."""
    for grain in (DAY_MS, HOUR_MS):
        if bucket_for(last_minute // grain * grain - first_minute // grain * grain) >= grain:
            return grain
    return MINUTE_MS


def compact(cursor) -> None:
    """Merge each block's minute rows into hours once its span is over 30 hours, into days once over 30 days."""
    blocks = cursor.execute("SELECT site, block, min(minute), max(minute), count(*) FROM results_rollup GROUP BY ALL"
                            ).fetchall()
    for site, block, first, last, rows in blocks:
        grain = grain_for(first, last)
        if grain == MINUTE_MS:
            continue
        where = {"site": site, "block": block}
        cursor.execute("BEGIN")
        try:
            cursor.execute("""
                CREATE OR REPLACE TEMP TABLE merged AS
                SELECT site, block, minute // $grain * $grain AS minute, variant, holdout, explored, disabled, feedback,
                       seen, clicked, dismissed, rating, sum(decisions) AS decisions, sum(inverse_kp) AS inverse_kp
                FROM results_rollup WHERE site = $site AND block = $block GROUP BY ALL""", {**where, "grain": grain})
            merged = cursor.execute("SELECT count(*) FROM merged").fetchone()[0]
            if merged < rows:
                cursor.execute("DELETE FROM results_rollup WHERE site = $site AND block = $block", where)
                cursor.execute("INSERT INTO results_rollup SELECT * FROM merged")
            cursor.execute("DROP TABLE merged")
            cursor.execute("COMMIT")
        except Exception:
            cursor.execute("ROLLBACK")
            raise


def _reset_if_outdated(cursor) -> int:
    stored = cursor.execute("SELECT version, below FROM results_folded").fetchall()
    if stored and stored[0][0] == VERSION:
        return stored[0][1]
    if stored:
        log.info("results rollup version %s is outdated: rebuilding it from the log", stored[0][0])
    cursor.execute("BEGIN")
    cursor.execute("DELETE FROM results_rollup")
    cursor.execute("DELETE FROM results_folded")
    cursor.execute("COMMIT")
    return 0


def _floor(ms: int) -> int:
    return ms // MINUTE_MS * MINUTE_MS


class RollupThread:
    """Folds finished decisions once at start and then every `interval` seconds, off the request path."""

    def __init__(self, event_log, *, interval: float = 60.0) -> None:
        self._log = event_log
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="attune-rollup", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        cursor = self._log.cursor()
        while True:
            try:
                fold(cursor, now_ms=int(time.time() * 1000), stopping=self._stopping)
            except Exception:  # the page still counts from the raw log; try again next time
                log.exception("could not fold finished decisions into the results rollup")
            if self._stopping.wait(self._interval):
                break
        cursor.close()
