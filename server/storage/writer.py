"""Group commit: one writer thread drains everything queued and stores it in one transaction.

Events are acknowledged only after their transaction commits; decisions are queued
without waiting, ahead of any event that can refer to them (the client learns a
decision id only after it was queued), so the log never holds an event before its decision.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any
from dataclasses import dataclass

from server import metrics
from server.storage.decision_sites import DecisionSites
from server.storage.event_log import EventLog
from server.storage.rows import DecisionRow, EventRow

log = logging.getLogger("attune.writer")
MAX_GROUP = 5000
# Decisions wait for company up to this long: each commit has a fixed cost of milliseconds in DuckDB,
# and nobody awaits a decision's write. An event batch (a client awaiting its 202) commits at once.
DECISION_LINGER_S = 0.05
MAX_FAILED_PARTS = 64  # a group that fails this many times in parts meets a log that refuses everything


@dataclass(frozen=True, slots=True)
class Stored:
    accepted: int
    duplicates: int
    unmatched: int = 0  # named a decision that is unknown or another site's: not stored
    refused: tuple[int, ...] = ()  # positions in the batch of rows the log would not take (others were stored)


class _EventBatch:
    __slots__ = ("rows", "future", "loop", "decisions", "recheck")

    def __init__(self, rows: list[EventRow], future: asyncio.Future[Stored], loop: asyncio.AbstractEventLoop,
                 decisions: list[DecisionRow] = (), recheck: bool = False) -> None:
        self.rows, self.future, self.loop = rows, future, loop
        self.decisions, self.recheck = decisions, recheck  # scaled mode: a stream read's decisions ride along


class _Job:
    """Work on the log that must see everything queued before it (erasure, retention): run by the writer thread."""

    __slots__ = ("work", "future", "loop")

    def __init__(self, work: Callable, future: asyncio.Future | concurrent.futures.Future,
                 loop: asyncio.AbstractEventLoop | None) -> None:
        self.work, self.future, self.loop = work, future, loop


class StorageUnavailable(RuntimeError):
    """The log could not store a group; nothing in it was acknowledged."""


class GroupCommitWriter:
    def __init__(
        self, log_: EventLog, *, on_commit: Callable[[list[DecisionRow], list[EventRow]], None],
        pending_site: Callable[[str], str | None] = lambda decision_id: None,
    ) -> None:
        self._log = log_
        self._on_commit = on_commit
        self._sites = DecisionSites(log_, pending_site=pending_site)
        self._queue: queue.SimpleQueue[DecisionRow | _EventBatch | _Job | None] = queue.SimpleQueue()
        self._seq = log_.max_seq()
        self._urgent = threading.Event()  # set with every event batch: its client awaits the commit
        self._backlog = False
        self._thread = threading.Thread(target=self._run, name="attune-writer", daemon=True)
        self.groups = 0
        self.refused_rows = 0  # rows the log would not take even alone (each logged)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._urgent.set()
        self._thread.join()

    def log_decision(self, row: DecisionRow) -> None:
        self._queue.put(row)

    async def store_events(self, rows: list[EventRow], *, decisions: list[DecisionRow] = (),
                           recheck: bool = False) -> Stored:
        """Store `rows` (and `decisions`, ahead of them) in one commit. `recheck`: the decisions may be stored
        already (a stream entry delivered again), so those are skipped, and only new ones reach the learner."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored] = loop.create_future()
        self._queue.put(_EventBatch(rows, future, loop, decisions, recheck))
        self._urgent.set()
        return await future

    async def run_job(self, work: Callable[[Any], Any]) -> Any:
        """`work(cursor)` in the writer thread, after everything queued before it is committed; its result.

        For deletes (erasure, retention): run here, they never race an insert of the rows they remove.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._queue.put(_Job(work, future, loop))
        self._urgent.set()
        return await future

    def run_job_blocking(self, work: Callable[[Any], Any], timeout: float | None = None) -> Any:
        """`run_job` for a thread that is not an event loop (the retention job)."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._queue.put(_Job(work, future, None))
        self._urgent.set()
        return future.result(timeout)

    def _run(self) -> None:
        cursor = self._log.cursor()
        running = True
        while running:
            items = self._gather()
            if None in items:
                running = False
                items = [i for i in items if i is not None]
            group: list[DecisionRow | _EventBatch] = []
            for item in items:  # a job splits the group: what came before it is committed first
                if isinstance(item, _Job):
                    if group:
                        self._commit(cursor, group)
                        group = []
                    _run_job(item, cursor)
                else:
                    group.append(item)
            if group:
                self._commit(cursor, group)
        cursor.close()

    def _gather(self) -> list[DecisionRow | _EventBatch | None]:
        """Everything queued now; if it starts with a decision, also what comes within the linger time.

        The writer sleeps through the linger instead of waking for each decision: a wake-up per
        decision takes the GIL from the request thread thousands of times a second. An event
        batch (or stop) ends the linger at once.
        """
        first = self._queue.get()
        if isinstance(first, DecisionRow) and not self._backlog:
            self._urgent.wait(DECISION_LINGER_S)
        self._urgent.clear()  # anything that set it was queued before, so the drain below takes it
        items = [first]
        while len(items) < MAX_GROUP:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        self._backlog = len(items) >= MAX_GROUP  # more may wait, maybe an event batch: no linger next time
        return items

    def _commit(self, cursor, items: list[DecisionRow | _EventBatch]) -> None:
        decisions = [i for i in items if isinstance(i, DecisionRow)]
        batches = [i for i in items if isinstance(i, _EventBatch)]
        if any(batch.decisions for batch in batches):
            decisions += self._new_decisions(cursor, batches)
        sites = self._sites.resolve(cursor, decisions, [row for batch in batches for row in batch.rows])
        events, seen = [], set()
        for batch in batches:
            for row in batch.rows:
                matched = row.decision_id is None or sites.get(row.decision_id) == row.site
                if matched and row.id not in seen:  # the same id twice in one group is one event
                    seen.add(row.id)
                    events.append(row)
        first_seq = self._seq
        for row in (*decisions, *events):
            self._seq += 1
            row.seq = self._seq
        try:
            inserted = self._log.append(cursor, decisions, events)
            stored_decisions, failed, any_stored = decisions, set(), True
        except Exception:  # one bad row must not cost the others their place: store what can be stored
            log.exception("a group of %d decisions and %d events failed; storing its rows in parts",
                          len(decisions), len(events))
            stored_decisions, inserted, failed, any_stored = self._store_in_parts(cursor, decisions, events)
        if not any_stored:
            self._seq = first_seq  # nothing stored: disk full, file lost — refuse, never pretend
            for batch in batches:
                batch.loop.call_soon_threadsafe(_fail, batch.future, StorageUnavailable("the log refused every row"))
            return
        self.groups += 1
        metrics.WRITER_GROUP_ROWS.observe(len(decisions) + len(events))
        self._sites.committed(stored_decisions)
        claimed: set[str] = set()
        outcomes: dict[tuple[str, str], int] = {}  # (event type, outcome) -> how many, for the metrics
        for batch in batches:
            accepted = unmatched = 0
            refused = []
            for position, row in enumerate(batch.rows):
                if row.decision_id is not None and sites.get(row.decision_id) != row.site:
                    unmatched += 1
                    outcome = "unmatched"
                elif row.id in failed:
                    refused.append(position)
                    outcome = "refused"
                elif row.id in inserted and row.id not in claimed:
                    claimed.add(row.id)
                    accepted += 1
                    outcome = "accepted"
                else:
                    outcome = "duplicate"
                outcomes[row.type, outcome] = outcomes.get((row.type, outcome), 0) + 1
            duplicates = len(batch.rows) - accepted - unmatched - len(refused)
            batch.loop.call_soon_threadsafe(_resolve, batch.future, Stored(accepted, duplicates, unmatched, tuple(refused)))
        metrics.count_events(outcomes)
        self._on_commit(stored_decisions, [e for e in events if e.id in inserted])

    def _new_decisions(self, cursor, batches: list[_EventBatch]) -> list[DecisionRow]:
        """The decisions the batches carry, less those stored already where a batch says they may be."""
        fresh, seen = [], set()
        for batch in batches:
            rows = [row for row in batch.decisions if row.decision_id not in seen]
            if batch.recheck and rows:
                stored = self._log.stored_decisions(cursor, rows)
                rows = [row for row in rows if row.decision_id not in stored]
            seen.update(row.decision_id for row in rows)
            fresh += rows
        return fresh

    def _store_in_parts(
        self, cursor, decisions: list[DecisionRow], events: list[EventRow],
    ) -> tuple[list[DecisionRow], set[str], set[str], bool]:
        """Halve the group until each part commits or is one bad row: a few bad rows cost a few
        transactions each, and a log that refuses everything is given up on after MAX_FAILED_PARTS."""
        stored: list[DecisionRow] = []
        inserted: set[str] = set()
        failed: set[str] = set()
        parts = [[*decisions, *events]]  # decisions first: a part never holds an event before its decision
        failures = commits = 0
        while parts:
            part = parts.pop(0)
            if failures >= MAX_FAILED_PARTS:
                failed.update(r.id for r in part if isinstance(r, EventRow))
                self.refused_rows += len(part)
                metrics.WRITER_REFUSED_ROWS.inc(len(part))
                continue
            part_decisions = [r for r in part if isinstance(r, DecisionRow)]
            part_events = [r for r in part if isinstance(r, EventRow)]
            try:
                inserted |= self._log.append(cursor, part_decisions, part_events)
                stored += part_decisions
                commits += 1
            except Exception as error:
                failures += 1
                if len(part) == 1:
                    log.error("the log refused one row and kept the rest of its group: %r (%s)", part[0], error)
                    failed.update(r.id for r in part_events)
                    self.refused_rows += 1
                    metrics.WRITER_REFUSED_ROWS.inc()
                else:
                    middle = len(part) // 2
                    parts[:0] = [part[:middle], part[middle:]]
        return stored, inserted, failed, commits > 0


def _run_job(job: _Job, cursor) -> None:
    try:
        result, error = job.work(cursor), None
    except Exception as failure:  # the job's caller sees it; the writer goes on
        result, error = None, failure
    if job.loop is None:
        job.future.set_exception(error) if error else job.future.set_result(result)
    elif error is not None:
        job.loop.call_soon_threadsafe(_fail, job.future, error)
    else:
        job.loop.call_soon_threadsafe(_resolve, job.future, result)


def _resolve(future: asyncio.Future, value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future, error: Exception) -> None:
    if not future.done():
        future.set_exception(error)
