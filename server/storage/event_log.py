"""The DuckDB event log: the source of truth every policy is a materialised view of."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import msgspec
import pyarrow as pa

from server.feedback.suppression import is_rated_down
from server.startup import data_dir_error, event_log_error
from server.counters.table import SCHEMA as COUNTERS_SCHEMA
from server.storage.privacy_tables import SCHEMA as PRIVACY_SCHEMA
from server.storage.rollup import SCHEMA as ROLLUP_SCHEMA
from server.storage.rows import (
    DECISION_COLUMNS, EVENT_COLUMNS, REPLAY_COLUMNS, DecisionRow, EventRow, decided_at_of,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    decision_id VARCHAR NOT NULL, site VARCHAR NOT NULL, block VARCHAR NOT NULL, variant VARCHAR NOT NULL,
    candidates VARCHAR[], propensity DOUBLE NOT NULL, policy VARCHAR, policy_version BIGINT, context VARCHAR,
    explored BOOLEAN, holdout BOOLEAN, reason VARCHAR, visitor VARCHAR, window_ms BIGINT, feedback VARCHAR,
    decided_at BIGINT NOT NULL, seq BIGINT NOT NULL, summary VARCHAR
);
ALTER TABLE decisions ADD COLUMN IF NOT EXISTS summary VARCHAR;  -- files from before the summary was logged
CREATE TABLE IF NOT EXISTS events (
    id VARCHAR PRIMARY KEY, site VARCHAR NOT NULL, visitor VARCHAR, type VARCHAR NOT NULL, decision_id VARCHAR,
    value DOUBLE, ts BIGINT, received_at BIGINT NOT NULL, seq BIGINT NOT NULL
);
ALTER TABLE events ADD COLUMN IF NOT EXISTS survey VARCHAR;  -- files from before surveys: these columns are null
ALTER TABLE events ADD COLUMN IF NOT EXISTS question VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS choices VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS text VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS name VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS page VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS ttfb_ms DOUBLE;
ALTER TABLE events ADD COLUMN IF NOT EXISTS lcp_ms DOUBLE;
ALTER TABLE events ADD COLUMN IF NOT EXISTS inp_ms DOUBLE;
ALTER TABLE events ADD COLUMN IF NOT EXISTS decide_ms DOUBLE;
ALTER TABLE events ADD COLUMN IF NOT EXISTS js_errors INTEGER;
ALTER TABLE events ADD COLUMN IF NOT EXISTS language VARCHAR;  -- a survey answer's page language
CREATE TABLE IF NOT EXISTS log_end (seq BIGINT NOT NULL);  -- the last position given: deleting rows must not lower it
"""
_MAX_SEQ = """SELECT greatest((SELECT coalesce(max(seq), 0) FROM decisions), (SELECT coalesce(max(seq), 0) FROM events),
                   (SELECT coalesce(max(seq), 0) FROM log_end))"""

_TEXT, _INT, _REAL, _FLAG = pa.string(), pa.int64(), pa.float64(), pa.bool_()
_TEXTS = pa.list_(pa.string())
# explicit Arrow types: inferring them costs a failed optional import per column per group
DECISION_TYPES = dict(zip(DECISION_COLUMNS, [
    _TEXT, _TEXT, _TEXT, _TEXT, _TEXTS, _REAL, _TEXT, _INT, _TEXT, _FLAG, _FLAG, _TEXT, _TEXT, _TEXT, _INT, _TEXT, _INT,
    _INT,
]))
EVENT_TYPES = dict(zip(EVENT_COLUMNS, [_TEXT, _TEXT, _TEXT, _TEXT, _TEXT, _REAL, _INT, _INT, _INT,
                                       *[_TEXT] * 6, *[_REAL] * 4, _INT, _TEXT]))


OPTIONAL_EVENT_COLUMNS = frozenset(EVENT_COLUMNS[EVENT_COLUMNS.index("seq") + 1:])  # survey and page fields


def _table(rows: list, types: dict[str, pa.DataType], optional: frozenset[str] = frozenset()) -> pa.Table:
    """Rows to Arrow columns; the columns are the first fields of each row, in order. An `optional` column that
    is null in every row is left out (the table's default, null, fills it): most batches hold no survey."""
    columns = list(zip(*map(msgspec.structs.astuple, rows)))  # one C call per row beats a getattr per cell
    return pa.table({c: pa.array(values, type=t) for (c, t), values in zip(types.items(), columns)
                     if c not in optional or any(v is not None for v in values)})


class EventLog:
    """One DuckDB file; only the writer thread inserts, other threads read through their own cursors."""

    def __init__(self, path: Path) -> None:
        """Open (or create) the log; a file that cannot be served raises a StartupError saying what to do."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=path.parent).close()  # DuckDB would open a read-only directory, then fail
        except OSError as error:
            raise data_dir_error(path.parent, error) from error
        self.path = path
        try:
            self._connection = duckdb.connect(str(path))
        except duckdb.Error as error:
            raise event_log_error(path, error) from error
        try:
            self._connection.execute(SCHEMA + ROLLUP_SCHEMA + PRIVACY_SCHEMA + COUNTERS_SCHEMA)
        except duckdb.Error as error:
            self._connection.close()
            raise event_log_error(path, error) from error

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._connection.cursor()

    def close(self) -> None:
        self._connection.close()

    def max_seq(self, cursor: duckdb.DuckDBPyConnection | None = None) -> int:
        return int((cursor or self._connection).execute(_MAX_SEQ).fetchone()[0])

    def keep_position(self, cursor: duckdb.DuckDBPyConnection) -> int:
        """Before deleting rows (erasure, retention), in the writer thread: remember the log's last position, so a
        restart neither gives a new row a position the learner's snapshot already covers nor refuses the snapshot."""
        end = self.max_seq(cursor)
        cursor.execute("DELETE FROM log_end")
        cursor.execute("INSERT INTO log_end VALUES (?)", [end])
        return end

    def append(self, cursor: duckdb.DuckDBPyConnection, decisions: list[DecisionRow], events: list[EventRow]) -> set[str]:
        """Insert one group in one transaction; returns the ids of events that were new (not duplicates)."""
        inserted: set[str] = set()
        cursor.execute("BEGIN")
        try:
            if decisions:
                batch = _table(decisions, DECISION_TYPES)  # noqa: F841 (read by DuckDB by name)
                cursor.execute(f"INSERT INTO decisions ({', '.join(DECISION_COLUMNS)}) SELECT * FROM batch")
            if events:
                batch = _table(events, EVENT_TYPES, OPTIONAL_EVENT_COLUMNS)
                rows = cursor.execute(
                    f"INSERT INTO events ({', '.join(batch.column_names)}) SELECT * FROM batch ON CONFLICT DO NOTHING "
                    "RETURNING id").fetchall()
                inserted = {r[0] for r in rows}
            cursor.execute("COMMIT")
        except Exception:
            cursor.execute("ROLLBACK")
            raise
        return inserted

    def rows_since(self, seq: int, cursor: duckdb.DuckDBPyConnection | None = None) -> Iterator[DecisionRow | EventRow]:
        """Every decision and event after log position `seq`, in log order (for replay)."""
        cursor = cursor or self.cursor()
        decisions = cursor.execute(f"SELECT {', '.join(REPLAY_COLUMNS)} FROM decisions WHERE seq > ? ORDER BY seq", [seq])
        decision_rows = [DecisionRow(**dict(zip(REPLAY_COLUMNS, r))) for r in decisions.fetchall()]
        events = cursor.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE seq > ? ORDER BY seq", [seq])
        event_rows = [EventRow(**dict(zip(EVENT_COLUMNS, r))) for r in events.fetchall()]
        yield from sorted([*decision_rows, *event_rows], key=lambda row: row.seq)

    def rated_down(self, cursor: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, str, str, str]]:
        """(site, visitor, block, variant) for every variant a known visitor rated down (the rater: a first page's
        decision is logged before the visitor has an id, its rating after).

        Ratings are read and judged by `is_rated_down`, the server's one rule, rather than by a copy of it in SQL.
        """
        ratings = cursor.execute(
            """SELECT d.site, coalesce(e.visitor, d.visitor), d.block, d.variant, d.feedback, e.value
               FROM events e JOIN decisions d USING (site, decision_id)
               WHERE e.type = 'rating' AND coalesce(e.visitor, d.visitor) IS NOT NULL"""
        )
        while chunk := ratings.fetchmany(10_000):
            for site, visitor, block, variant, feedback, value in chunk:
                if is_rated_down(feedback, value):
                    yield site, visitor, block, variant

    def stored_decisions(self, cursor: duckdb.DuckDBPyConnection, rows: list[DecisionRow]) -> set[str]:
        """Which of these decisions the log holds (a stream entry delivered twice); by time first, as below."""
        found = cursor.execute(
            "SELECT decision_id FROM decisions WHERE decided_at BETWEEN ? AND ? AND decision_id IN (SELECT unnest(?))",
            [min(r.decided_at for r in rows), max(r.decided_at for r in rows), [r.decision_id for r in rows]],
        ).fetchall()
        return {row[0] for row in found}

    def find_decision(self, cursor: duckdb.DuckDBPyConnection, decision_id: str) -> DecisionRow | None:
        decided_at = decided_at_of(decision_id)
        if decided_at is None:
            return None
        row = cursor.execute(  # by time first: DuckDB skips every row group whose times cannot hold it
            f"SELECT {', '.join(REPLAY_COLUMNS)} FROM decisions WHERE decided_at = ? AND decision_id = ?",
            [decided_at, decision_id],
        ).fetchone()
        return DecisionRow(**dict(zip(REPLAY_COLUMNS, row))) if row else None

