"""Read the DuckDB event log without a server: read-only, and a clear refusal while a server holds it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from server.storage.rows import EVENT_COLUMNS, REPLAY_COLUMNS, DecisionRow, EventRow

LOG_FILE = "attune.duckdb"  # as server/runtime.py names it


class LogUnavailable(RuntimeError):
    """The event log cannot be read; the message says why and what to do."""


def open_read_only(data_dir: Path) -> duckdb.DuckDBPyConnection:
    path = data_dir / LOG_FILE
    if not path.exists():
        raise LogUnavailable(f"no event log at {path} (has `attune serve` run with this data directory?)")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise LogUnavailable(f"cannot read the event log {path}: {error}") from None
        holder = re.search(r"PID (\d+)", str(error))
        by = f" (process {holder[1]})" if holder else ""
        raise LogUnavailable(
            f"the event log {path} is held by a running attune server{by}; DuckDB lets one process open it "
            "for writing, so stop the server (or wait until it stops) and run this again"
        ) from None


def logged_rows(connection: duckdb.DuckDBPyConnection) -> Iterator[DecisionRow | EventRow]:
    """Every decision and event in log order, as the learner replays them."""
    decisions = connection.execute(f"SELECT {', '.join(REPLAY_COLUMNS)} FROM decisions ORDER BY seq").fetchall()
    events = connection.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY seq").fetchall()
    rows = [DecisionRow(**dict(zip(REPLAY_COLUMNS, r))) for r in decisions]
    rows += [EventRow(**dict(zip(EVENT_COLUMNS, r))) for r in events]
    yield from sorted(rows, key=lambda row: row.seq)
