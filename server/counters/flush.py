"""Storing and erasing counters: every change reaches `visitor_counters` through a writer job within seconds."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from server.counters import table

if TYPE_CHECKING:
    import duckdb

    from server.counters.tally import VisitorCounters
    from server.storage.writer import GroupCommitWriter

log = logging.getLogger("attune.counters")
FLUSH_S = 2.0  # a crash loses at most this long of counting


def store_changes(cursor: duckdb.DuckDBPyConnection, counters: VisitorCounters) -> int:
    """In the writer thread: the changes are taken there, so an erasure (also a writer job) is never undone."""
    rows = counters.changed_rows()
    try:
        return table.save(cursor, rows)
    except Exception:
        counters.unstored(rows)  # nothing is lost: the next flush tries them again
        raise


def erase(cursor: duckdb.DuckDBPyConnection, counters: VisitorCounters, *, site: str, visitor: str) -> int:
    """In the writer thread: forget the visitor's counters in memory and in the table; rows deleted."""
    counters.forget(site=site, visitor=visitor)
    return table.delete(cursor, site=site, visitor=visitor)


class CounterFlush:
    """Stores changed counters every `interval` seconds, and once more on stop (before the writer stops)."""

    def __init__(self, *, counters: VisitorCounters, writer: GroupCommitWriter, interval: float = FLUSH_S) -> None:
        self._counters = counters
        self._writer = writer
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="attune-counters", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():  # never started (a start that failed): the writer may not run either
            self._thread.join()
            self.flush()

    def flush(self) -> int:
        return self._writer.run_job_blocking(lambda cursor: store_changes(cursor, self._counters))

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.flush()
            except Exception:  # the rows stay marked changed: the next run stores them
                log.exception("storing visitor counters failed; retrying in %.0f s", self._interval)
