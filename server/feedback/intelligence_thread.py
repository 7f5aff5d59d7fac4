"""The Feedback page's learner: a background thread, started with the runtime, that learns new open-text answers.

Every INTERVAL_S (or at once when a page asks, `wake`) it learns the text answers logged since its last position
(about 1.5 ms each on one core, so a first pass over a long log takes minutes: pages meanwhile show what is learned
so far and how far it has come), then forgets answers the log no longer holds. It runs at a low OS priority (nice
10) and sleeps briefly between chunks, so decide and the events API keep the processor and the GIL.

What it learned is kept in `feedback.snapshot` in the data directory (msgpack, written at most every SNAPSHOT_S
and at stop, replaced atomically), so a restart continues from there instead of reading the whole log again; a
snapshot that is unreadable, of another version or ahead of the log (another file) is ignored and rebuilt.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from server.feedback.intelligence import FeedbackIntelligence

if TYPE_CHECKING:
    from server.storage.event_log import EventLog

log = logging.getLogger("attune.feedback")

INTERVAL_S = 3.0
DELETIONS_S = 60.0  # at least this often, look for deleted answers even if no delete was marked
DELETE_MARK = "SELECT max(seq) FROM log_end"  # erasure and retention set it before they delete (EventLog.keep_position)
SNAPSHOT_S = 60.0
PAUSE_S = 0.002  # between chunks of CHUNK answers: lets request threads take the GIL
NICE = 10


class FeedbackThread:
    def __init__(self, *, event_log: EventLog, snapshot_path: Path | None, interval: float = INTERVAL_S,
                 snapshot_every: float = SNAPSHOT_S) -> None:
        self.intelligence = FeedbackIntelligence()
        self._log = event_log
        self._path = snapshot_path
        self._interval = interval
        self._snapshot_every = snapshot_every
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._passes = 0
        self._delete_mark: object = None  # log_end when deletions were last looked for
        self._deletions_at = 0.0
        self._in_pass = False
        self._passed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="attune-feedback", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Before the log closes: the pass in progress ends at its next chunk, then the snapshot is written."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

    def wake(self) -> None:
        """Learn now rather than at the next interval (a page was read: its next load shows the new answers)."""
        self._wake.set()

    def caught_up(self, timeout: float = 10.0) -> bool:
        """Wait until a pass begun after this call has finished (for tests and the bench); False on timeout."""
        with self._passed:
            wanted = self._passes + (2 if self._in_pass else 1)  # a pass running now may have begun too early
            self._wake.set()
            return self._passed.wait_for(lambda: self._passes >= wanted or not self._thread.is_alive(), timeout)

    def _run(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)  # Linux: a thread is a task
        except (AttributeError, OSError):
            pass
        cursor = self._log.cursor()
        started, saved_at, changed = time.perf_counter(), time.monotonic(), False
        try:
            self._restore(cursor)
            while not self._stopping.is_set():
                with self._passed:
                    self._in_pass = True
                try:
                    changed = self._one_pass(cursor) or changed
                except Exception:  # the page shows what was learned; the next pass tries again
                    log.exception("could not learn the new feedback answers")
                if self.intelligence.rebuild_seconds is None:
                    self.intelligence.rebuild_seconds = time.perf_counter() - started
                if changed and time.monotonic() - saved_at >= self._snapshot_every:
                    changed, saved_at = not self._save(), time.monotonic()
                with self._passed:
                    self._passes, self._in_pass = self._passes + 1, False
                    self._passed.notify_all()
                self._wake.wait(self._interval)
                self._wake.clear()
            if changed:
                self._save()
        finally:
            cursor.close()
            with self._passed:
                self._passed.notify_all()

    def _one_pass(self, cursor) -> bool:
        learned = self.intelligence.learn_new(cursor, pause=lambda: self._stopping.wait(PAUSE_S))
        if self._stopping.is_set():
            return learned > 0
        mark = cursor.execute(DELETE_MARK).fetchone()[0]
        if mark == self._delete_mark and time.monotonic() - self._deletions_at < DELETIONS_S:
            return learned > 0  # nothing was deleted since the last look: spare the scan of every text answer
        self._delete_mark, self._deletions_at = mark, time.monotonic()
        return learned + self.intelligence.drop_deleted(cursor) > 0

    def _restore(self, cursor) -> None:
        if self._path is None or not self._path.exists():
            return
        try:
            state = msgspec.msgpack.decode(self._path.read_bytes())
            if state.get("last_seq", 0) > self._log.max_seq(cursor):
                raise ValueError("it is ahead of the event log (a snapshot of another log)")
            self.intelligence.restore(state)
            log.info("feedback themes restored from %s up to log position %d", self._path, state["last_seq"])
        except Exception as error:  # noqa: BLE001 (any unreadable snapshot means the same: learn from the log)
            log.warning("ignoring the feedback snapshot %s (%s): learning from the log", self._path, error)

    def _save(self) -> bool:
        if self._path is None:
            return True
        try:
            partial = self._path.with_name(self._path.name + ".partial")
            partial.write_bytes(msgspec.msgpack.encode(self.intelligence.state()))
            os.replace(partial, self._path)
            return True
        except OSError:
            log.exception("could not write the feedback snapshot %s; the next one tries again", self._path)
            return False
