"""The results query: counts per time bucket, variant and group, from the rollup or, for a segment, the raw log.

Unfiltered or by date only, finished decisions come from the rollup (server/storage/rollup.py) and the rest from
the log above its watermark, in one snapshot. A segment is a field of each decision's logged context, which the
rollup does not keep, so a segmented view reads the whole range from the log.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from online_learning.join import DECISION_TTL_MS
from server.admin.reporting.results_filter import FOREVER_MS
from server.storage.reward_sql import REWARD_SQL, reward_params
from server.storage.rollup import (
    BLOCK_FILTER, EVENT_SITE_FILTER, OUTCOME_CLASSES, SKEW_MS, bucket_for, folded_below, outcome_classes,
)

if TYPE_CHECKING:
    from server.admin.reporting.results_filter import ResultsFilter
    from server.config.schema import Block, Site

COLUMNS = ("minute, variant, holdout, explored, disabled, feedback, seen, clicked, dismissed, rating, decisions, "
           "inverse_kp")
FROM_ROLLUP = f"""
    SELECT {COLUMNS} FROM results_rollup
    WHERE site = $site AND block = $block AND minute < $below AND minute >= $start AND minute < $to
    UNION ALL
    SELECT {COLUMNS} FROM ({outcome_classes(one_block=True)})
"""
SEGMENT_FILTER = "AND json_extract_string(context, $pointer) = $value"
SEGMENT_CLASSES = OUTCOME_CLASSES.format(where=f"{BLOCK_FILTER} {SEGMENT_FILTER}", event_where=EVENT_SITE_FILTER,
                                         for_these="")
FROM_LOG = f"SELECT {COLUMNS} FROM ({SEGMENT_CLASSES})"

SPAN = """
SELECT min(low), max(high) FROM (
    SELECT min(minute) AS low, max(minute) AS high FROM results_rollup
    WHERE site = $site AND block = $block AND minute < $below AND minute >= $start AND minute < $to
    UNION ALL
    SELECT min(decided_at), max(decided_at) FROM decisions
    WHERE site = $site AND block = $block AND decided_at >= $from AND decided_at < $to
)
"""

QUERY = """
WITH classes AS ({classes}), r AS (
    SELECT *, minute // $bucket * $bucket AS t, {reward} AS reward FROM classes
)
SELECT t, variant, holdout, explored, disabled, sum(decisions) AS decisions,
       coalesce(sum(decisions) FILTER (WHERE seen), 0) AS impressions,
       coalesce(sum(decisions) FILTER (WHERE clicked), 0) AS clicks,
       coalesce(sum(decisions) FILTER (WHERE rating IS NOT NULL), 0) AS ratings,
       coalesce(sum(decisions * rating), 0), coalesce(sum(decisions * rating * rating), 0),
       coalesce(sum(decisions * reward) FILTER (WHERE seen), 0),
       coalesce(sum(decisions * reward * reward) FILTER (WHERE seen), 0),
       coalesce(sum(inverse_kp * reward) FILTER (WHERE seen), 0) AS uniform_ips,
       min(rating), max(rating)
FROM r GROUP BY ALL
"""


def fetch(cursor, *, site: Site, block: Block, window: ResultsFilter) -> tuple[list[tuple], int]:
    """The rows of QUERY and the chart's bucket (ms)."""
    cursor.execute("BEGIN")  # one snapshot: the rollup and the raw log above its watermark never overlap
    try:
        below = 0 if window.segment else folded_below(cursor)
        params = {"site": site.key, "block": block.id, "below": below, "start": window.start_ms,
                  "from": max(below, window.start_ms), "to": window.end_ms}
        low, high = cursor.execute(SPAN, _used(SPAN, params)).fetchone()
        bucket = bucket_for((high or 0) - (low or 0))
        classes = FROM_LOG if window.segment else FROM_ROLLUP
        if window.segment:
            params |= {"pointer": window.segment.json_pointer, "value": window.segment.value}
        query = QUERY.format(classes=classes, reward=REWARD_SQL)
        rows = cursor.execute(query, _used(query, {
            **params, "events_to": FOREVER_MS, "skew": SKEW_MS, "ttl": DECISION_TTL_MS, "bucket": bucket,
            **reward_params(site.reward_weights.for_learning()),
        })).fetchall()
    finally:
        cursor.execute("COMMIT")
    return rows, bucket


def _used(sql: str, params: dict) -> dict:
    """Only the parameters the statement names: DuckDB refuses any extra."""
    named = set(re.findall(r"\$(\w+)", sql))
    return {k: v for k, v in params.items() if k in named}
