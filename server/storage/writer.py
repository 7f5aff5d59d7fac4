"""Group commit: one writer thread drains everything queued and stores it in one transaction.

Events are acknowledged only after their transaction commits; decisions are queued
without waiting, ahead of any event that can refer to them (the client learns a
decision id only after it was queued), so the log never holds an event before its decision.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from server.storage.event_log import EventLog
from server.storage.rows import DecisionRow, EventRow

log = logging.getLogger("attune.writer")
MAX_GROUP = 5000
# Decisions wait for company up to this long: each commit has a fixed cost of milliseconds in DuckDB,
# and nobody awaits a decision's write. An event batch (a client awaiting its 202) commits at once.
DECISION_LINGER_S = 0.05


@dataclass(frozen=True, slots=True)
class Stored:
    accepted: int
    duplicates: int


class _EventBatch:
    __slots__ = ("rows", "future", "loop")

    def __init__(self, rows: list[EventRow], future: asyncio.Future[Stored], loop: asyncio.AbstractEventLoop) -> None:
        self.rows, self.future, self.loop = rows, future, loop


class StorageUnavailable(RuntimeError):
    """The log could not store a group; nothing in it was acknowledged."""


class GroupCommitWriter:
    def __init__(self, log_: EventLog, *, on_commit: Callable[[list[DecisionRow], list[EventRow]], None]) -> None:
        self._log = log_
        self._on_commit = on_commit
        self._queue: queue.SimpleQueue[DecisionRow | _EventBatch | None] = queue.SimpleQueue()
        self._seq = log_.max_seq()
        self._urgent = threading.Event()  # set with every event batch: its client awaits the commit
        self._backlog = False
        self._thread = threading.Thread(target=self._run, name="attune-writer", daemon=True)
        self.groups = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._urgent.set()
        self._thread.join()

    def log_decision(self, row: DecisionRow) -> None:
        self._queue.put(row)

    async def store_events(self, rows: list[EventRow]) -> Stored:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored] = loop.create_future()
        self._queue.put(_EventBatch(rows, future, loop))
        self._urgent.set()
        return await future

    def _run(self) -> None:
        cursor = self._log.cursor()
        running = True
        while running:
            items = self._gather()
            if None in items:
                running = False
                items = [i for i in items if i is not None]
            if items:
                self._commit(cursor, items)
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
        events, seen = [], set()
        for batch in batches:
            for row in batch.rows:
                if row.id not in seen:  # the same id twice in one group is one event
                    seen.add(row.id)
                    events.append(row)
        first_seq = self._seq
        for row in (*decisions, *events):
            self._seq += 1
            row.seq = self._seq
        try:
            inserted = self._log.append(cursor, decisions, events)
        except Exception as error:  # disk full, file lost: refuse, never pretend
            log.exception("could not store a group of %d decisions and %d events", len(decisions), len(events))
            self._seq = first_seq
            for batch in batches:
                batch.loop.call_soon_threadsafe(_fail, batch.future, StorageUnavailable(str(error)))
            return
        self.groups += 1
        claimed: set[str] = set()
        for batch in batches:
            accepted = 0
            for row in batch.rows:
                if row.id in inserted and row.id not in claimed:
                    claimed.add(row.id)
                    accepted += 1
            batch.loop.call_soon_threadsafe(_resolve, batch.future, Stored(accepted, len(batch.rows) - accepted))
        self._on_commit(decisions, [e for e in events if e.id in inserted])


def _resolve(future: asyncio.Future[Stored], value: Stored) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[Stored], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)
