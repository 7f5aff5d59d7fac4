"""SQL for visitors' data rights. Reads take a cursor of their own; writes are jobs for the writer thread.

A visitor's rows are those with their keyed hash, and the events about their decisions (sent with or
without an id): whoever holds a decision id was shown that decision.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from server.feedback.suppression import is_rated_down
from server.privacy.schemas import Categories, ConsentRecord
from server.storage.event_log import EventLog
from server.storage.rows import decided_at_of

YOURS = "(visitor = ? OR decision_id IN (SELECT decision_id FROM decisions WHERE site = ? AND visitor = ?))"
ROWS_END = "SELECT greatest((SELECT coalesce(max(seq), 0) FROM decisions), (SELECT coalesce(max(seq), 0) FROM events))"
MAX_CONTEXTS = 200  # the latest decisions read for traits: enough to find each trait's last value


@dataclass(frozen=True, slots=True)
class RatingRow:
    decision_id: str
    block: str
    variant: str
    feedback: str | None
    value: float
    rated_at: int
    propensity: float  # the variant's probability when it was shown


@dataclass(frozen=True, slots=True)
class Undone:
    ratings: int
    block: str = ""
    variant: str = ""
    still_rated_down: bool = False  # another kept rating of this visitor rates the same variant down
    rows_end: int = 0


@dataclass(frozen=True, slots=True)
class ErasedRows:
    decisions: int
    events: int
    consents: int
    interests: int
    rows_end: int  # the log's last row before the delete: the learner must have seen it


def _dicts(result: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [column[0] for column in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


# reads

def consents(cursor: duckdb.DuckDBPyConnection, *, site: str, visitor: str) -> list[ConsentRecord]:
    rows = cursor.execute(
        """SELECT receipt, personalization, feedback, measurement, source, policy_version, gpc, recorded_at
           FROM consent_receipts WHERE site = ? AND visitor = ? ORDER BY recorded_at, receipt""", [site, visitor],
    ).fetchall()
    return [ConsentRecord(receipt=r[0], categories=Categories(*r[1:4]), source=r[4], policy_version=r[5], gpc=r[6],
                          recorded_at=r[7]) for r in rows]


def ratings(cursor: duckdb.DuckDBPyConnection, *, site: str, visitor: str) -> list[RatingRow]:
    rows = cursor.execute(
        """SELECT d.decision_id, d.block, d.variant, d.feedback, e.value, e.received_at, d.propensity
           FROM events e JOIN decisions d ON d.site = e.site AND d.decision_id = e.decision_id
           WHERE e.site = ? AND e.type = 'rating' AND e.value IS NOT NULL AND (e.visitor = ? OR d.visitor = ?)
           ORDER BY e.received_at, e.id""", [site, visitor, visitor],
    ).fetchall()
    return [RatingRow(*row) for row in rows]


def contexts(cursor: duckdb.DuckDBPyConnection, *, site: str, visitor: str) -> list[tuple[str, list[str], str]]:
    """(block, candidates, context JSON) of the visitor's latest personalized decisions, newest first."""
    return cursor.execute(
        """SELECT block, candidates, context FROM decisions
           WHERE site = ? AND visitor = ? AND context IS NOT NULL AND context <> '{}'
           ORDER BY decided_at DESC, seq DESC LIMIT ?""", [site, visitor, MAX_CONTEXTS],
    ).fetchall()


def decision_rows(cursor: duckdb.DuckDBPyConnection, *, site: str, visitor: str) -> list[dict]:
    return _dicts(cursor.execute("SELECT * FROM decisions WHERE site = ? AND visitor = ? ORDER BY seq",
                                 [site, visitor]))


def event_rows(cursor: duckdb.DuckDBPyConnection, *, site: str, visitor: str) -> list[dict]:
    return _dicts(cursor.execute(f"SELECT * FROM events WHERE site = ? AND {YOURS} ORDER BY seq",
                                 [site, visitor, site, visitor]))


# writes: each runs in the writer thread through GroupCommitWriter.run_job

def insert_consent(cursor: duckdb.DuckDBPyConnection, *, site: str, visitor: str | None,
                   record: ConsentRecord) -> None:
    c = record.categories
    cursor.execute("INSERT INTO consent_receipts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [record.receipt, site, visitor, c.personalization, c.feedback, c.measurement, record.source,
                    record.policy_version, record.gpc, record.recorded_at])


def record_request(cursor: duckdb.DuckDBPyConnection, *, site: str, kind: str, at: int) -> None:
    cursor.execute("INSERT INTO privacy_requests VALUES (?, ?, ?)", [site, kind, at])


def save_interests(cursor: duckdb.DuckDBPyConnection, *, site: str, visitor: str, interests: list[str],
                   at: int) -> None:
    if interests:
        cursor.execute("INSERT OR REPLACE INTO visitor_interests VALUES (?, ?, ?, ?)", [site, visitor, interests, at])
    else:
        cursor.execute("DELETE FROM visitor_interests WHERE site = ? AND visitor = ?", [site, visitor])


def _transaction(cursor: duckdb.DuckDBPyConnection, work):
    cursor.execute("BEGIN")
    try:
        result = work()
        cursor.execute("COMMIT")
    except Exception:
        cursor.execute("ROLLBACK")
        raise
    return result


def erase(cursor: duckdb.DuckDBPyConnection, *, log: EventLog, site: str, visitor: str) -> ErasedRows:
    """Delete every row linked to the visitor's hash, in one transaction."""
    def work() -> ErasedRows:
        rows_end = cursor.execute(ROWS_END).fetchone()[0]
        log.keep_position(cursor)
        events = cursor.execute(f"DELETE FROM events WHERE site = ? AND {YOURS}",
                                [site, visitor, site, visitor]).fetchone()[0]
        counts = [cursor.execute(f"DELETE FROM {table} WHERE site = ? AND visitor = ?", [site, visitor]).fetchone()[0]
                  for table in ("decisions", "consent_receipts")]
        interests = cursor.execute("DELETE FROM visitor_interests WHERE site = ? AND visitor = ? RETURNING interests",
                                   [site, visitor]).fetchall()
        return ErasedRows(decisions=counts[0], events=events, consents=counts[1],
                          interests=sum(len(row[0]) for row in interests), rows_end=rows_end)
    return _transaction(cursor, work)


def insert_erasure_receipt(cursor: duckdb.DuckDBPyConnection, *, receipt: str, site: str, at: int,
                           counts: tuple[int, int, int, int, int]) -> None:
    """Deliberately without the visitor hash: the receipt proves an erasure happened, not whose."""
    cursor.execute("INSERT INTO erasure_receipts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [receipt, site, at, *counts])
    record_request(cursor, site=site, kind="erase", at=at)


def undo_rating(cursor: duckdb.DuckDBPyConnection, *, log: EventLog, site: str, visitor: str,
                decision_id: str) -> Undone:
    """Delete the visitor's ratings of one decision; whether another kept rating still rates its variant down."""
    def work() -> Undone:
        decided_at = decided_at_of(decision_id)  # by time first: DuckDB skips the row groups that cannot hold it
        found = cursor.execute(
            "SELECT block, variant, visitor FROM decisions WHERE site = ? AND decision_id = ?"
            + (" AND decided_at = ?" if decided_at is not None else ""),
            [site, decision_id, *([decided_at] if decided_at is not None else [])],
        ).fetchone()
        if found is None:
            return Undone(0)
        block, variant, owner = found
        own = owner == visitor
        rows_end = cursor.execute(ROWS_END).fetchone()[0]
        log.keep_position(cursor)
        deleted = cursor.execute(
            "DELETE FROM events WHERE site = ? AND decision_id = ? AND type = 'rating' AND (visitor = ? OR ?)",
            [site, decision_id, visitor, own],
        ).fetchone()[0]
        kept = cursor.execute(
            """SELECT d.feedback, e.value
               FROM events e JOIN decisions d ON d.site = e.site AND d.decision_id = e.decision_id
               WHERE d.site = ? AND coalesce(e.visitor, d.visitor) = ? AND d.block = ? AND d.variant = ?
                     AND e.type = 'rating'""",
            [site, visitor, block, variant],
        ).fetchall()
        still = any(is_rated_down(feedback, value) for feedback, value in kept)
        return Undone(deleted, block, variant, still, rows_end)
    return _transaction(cursor, work)
