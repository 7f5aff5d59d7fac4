"""The learner thread: committed rows in, policy updates and snapshots out, off the request path."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from online_learning.join import MAX_UNSEEN_PER_SITE, RewardJoin
from online_learning.learner import OnlineLearner
from server import metrics
from server.feedback.suppression import SuppressionStore, is_rated_down
from server.learner.learn import learn_row
from server.learner.snapshots import SnapshotError, not_finite, restore_snapshot, save_snapshot
from server.sites import SiteRegistry
from server.startup import event_log_error
from server.storage.event_log import EventLog
from server.storage.rows import DecisionRow, EventRow

log = logging.getLogger("attune.learner")


def now_ms() -> int:
    return int(time.time() * 1000)


class LearnerRuntime:
    def __init__(
        self,
        *,
        sites: SiteRegistry,
        event_log: EventLog,
        snapshot_path: Path,
        suppression: SuppressionStore,
        refresh_interval: float = 0.2,  # how stale a policy may be; each refresh clears the distribution caches
        snapshot_interval: float = 30.0,
        max_unseen_per_site: int = MAX_UNSEEN_PER_SITE,
    ) -> None:
        self.sites = sites
        self.event_log = event_log
        self.snapshot_path = snapshot_path
        self.suppression = suppression
        self.refresh_interval = refresh_interval
        self.snapshot_interval = snapshot_interval
        self.learner = OnlineLearner(policy_for=sites.policy_for, weights_for=sites.weights_for,
                                     join=RewardJoin(max_unseen_per_site=max_unseen_per_site))
        self._queue: queue.SimpleQueue[tuple[list[DecisionRow], list[EventRow]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="attune-learner", daemon=True)
        self._cursor = event_log.cursor()
        self._refreshed_at_count = -1
        self.snapshots = 0
        self.on_refresh: Callable[[], None] | None = None  # scaled mode: publishes the policies (learner thread)

    @property
    def version(self) -> int:
        return self.learner.learned

    def restore(self) -> int:
        """Last snapshot plus a replay of everything logged after it; returns how many rows were replayed.

        A snapshot that does not load changes nothing: it is set aside, with a warning, and the whole
        log is replayed instead. A log that cannot be read raises a StartupError saying what to do.
        """
        try:
            log_end = self.event_log.max_seq()
            try:
                restore_snapshot(self.snapshot_path, learner=self.learner, sites=self.sites, log_end=log_end)
            except SnapshotError as error:
                aside = self.snapshot_path.with_name(self.snapshot_path.name + ".unreadable")
                with contextlib.suppress(OSError):  # kept for a look; the next snapshot would overwrite it
                    self.snapshot_path.replace(aside)
                log.warning("the learner snapshot does not load (%s): set aside as %s; replaying the whole log "
                            "(up to seq %d) instead", error, aside.name, log_end)
            replayed = 0
            for row in self.event_log.rows_since(self.learner.last_seq, self._cursor):
                self._apply(row, replaying=True)
                replayed += 1
            for site, visitor, block, variant in self.event_log.rated_down(self._cursor):
                self.suppression.add(site=site, visitor=visitor, block=block, variant=variant)
        except duckdb.Error as error:  # a block of the file is corrupt: no policy may be built from part of it
            raise event_log_error(self.event_log.path, error) from error
        self.learner.advance(now_ms())
        self._refresh()
        return replayed

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self.snapshot()
        self._cursor.close()

    def submit(self, decisions: list[DecisionRow], events: list[EventRow]) -> None:
        """Called by the writer after each commit: only stored rows ever reach the policies."""
        self._queue.put((decisions, events))

    def snapshot(self) -> None:
        """Write the learner's state, unless a policy's is not finite: then the last good snapshot stays."""
        state = self.learner.state(self.sites.policies)
        bad = not_finite(state)
        if bad:
            log.warning("no learner snapshot written: the state of %s is not finite; %s keeps the last good one",
                        ", ".join(bad), self.snapshot_path)
            return
        save_snapshot(self.snapshot_path, state)
        self.snapshots += 1

    def _run(self) -> None:
        last_refresh = last_snapshot = time.monotonic()
        while True:
            try:
                item = self._queue.get(timeout=self.refresh_interval / 2)
            except queue.Empty:
                item = ([], [])
            if item is None:
                return
            try:
                learned_before = self.learner.learned
                for row in (*item[0], *item[1]):
                    self._apply(row, replaying=False)
                self.learner.advance(now_ms())
                metrics.observe_learned(item[1], now_ms=time.time_ns() // 1_000_000,  # the clock received_at is on
                                        learned=self.learner.learned - learned_before)
                now = time.monotonic()
                if now - last_refresh >= self.refresh_interval:
                    self._refresh()
                    last_refresh = now
                if now - last_snapshot >= self.snapshot_interval:
                    self.snapshot()
                    last_snapshot = now
            except Exception:  # a bad row must not stop learning for everyone
                log.exception("learner failed on a group of rows")

    def _apply(self, row: DecisionRow | EventRow, *, replaying: bool) -> None:
        if isinstance(row, EventRow) and row.type == "rating" and row.decision_id is not None and not replaying:
            self._remember_rated_down(row)  # before learning: the pending decision still says what was rated
        learn_row(self.learner, row)

    def _remember_rated_down(self, row: EventRow) -> None:
        pending = self.learner.join.get(row.decision_id)
        if pending is not None:
            decision = (pending.site, pending.block, pending.variant, pending.feedback)
            visitor = row.visitor
        else:
            found = self.event_log.find_decision(self._cursor, row.decision_id)
            if found is None:
                return
            decision = (found.site, found.block, found.variant, found.feedback)
            visitor = row.visitor or found.visitor  # the rater, as at restart (EventLog.rated_down)
        site, block, variant, feedback = decision
        if visitor and site == row.site and is_rated_down(feedback, row.value):
            self.suppression.add(site=site, visitor=visitor, block=block, variant=variant)

    def _refresh(self) -> None:
        if self.learner.learned == self._refreshed_at_count:
            return
        for policy in self.sites.policies.values():
            policy.refresh()
        self._refreshed_at_count = self.learner.learned
        if self.on_refresh is not None:
            self.on_refresh()
        metrics.policy_published(self.learner.learned, time.time())
