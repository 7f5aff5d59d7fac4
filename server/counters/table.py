"""The `visitor_counters` table: one row per (site, visitor hash), replaced whenever its counts change."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    import duckdb

SCHEMA = """
CREATE TABLE IF NOT EXISTS visitor_counters (
    site VARCHAR NOT NULL, visitor VARCHAR NOT NULL,  -- keyed hash: counters exist only for a visitor with an id
    first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, last_view BIGINT NOT NULL, sessions INTEGER NOT NULL,
    views VARCHAR NOT NULL, events VARCHAR NOT NULL,  -- JSON objects: page group -> views, event name -> count
    PRIMARY KEY (site, visitor)
);
"""
COLUMNS = ("site", "visitor", "first_seen", "last_seen", "last_view", "sessions", "views", "events")
_TYPES = [pa.string(), pa.string(), pa.int64(), pa.int64(), pa.int64(), pa.int32(), pa.string(), pa.string()]


def save(cursor: duckdb.DuckDBPyConnection, rows: list[tuple]) -> int:
    """Insert or replace `rows` (tuples in COLUMNS order) in one statement; how many."""
    if not rows:
        return 0
    columns = list(zip(*rows))
    batch = pa.table({c: pa.array(v, type=t) for c, t, v in zip(COLUMNS, _TYPES, columns)})  # noqa: F841 (by name)
    cursor.execute(f"INSERT OR REPLACE INTO visitor_counters ({', '.join(COLUMNS)}) SELECT * FROM batch")
    return len(rows)


def load(cursor: duckdb.DuckDBPyConnection, *, per_site: int) -> list[tuple]:
    """The most recently seen `per_site` rows of each site, oldest first (so a cache fills in recency order)."""
    return cursor.execute(f"""
        SELECT {', '.join(COLUMNS)} FROM (
            SELECT *, row_number() OVER (PARTITION BY site ORDER BY last_seen DESC) AS recency FROM visitor_counters)
        WHERE recency <= ? ORDER BY last_seen""", [per_site]).fetchall()


def delete(cursor: duckdb.DuckDBPyConnection, *, site: str, visitor: str) -> int:
    return cursor.execute("DELETE FROM visitor_counters WHERE site = ? AND visitor = ?", [site, visitor]).fetchone()[0]
