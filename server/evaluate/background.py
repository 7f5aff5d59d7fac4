"""`attune evaluate`'s figures for the results page, computed in the background from the log the server holds.

Shortly after start and then every INTERVAL_S, each site's last DAYS days are read through a
cursor of this thread's own (a DuckDB read never waits for the writer) and replayed by
`evaluate_site` in a process of its own (worker.py), which trains fresh policies on them: the live
ones, and decide, are never touched, and the "current policy" row is the policy as those DAYS days
alone would have trained it. The latest reports per site are kept with when they were computed and
how long it took; a failed run is logged and the reports before it stay.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from server.evaluate.worker import EvaluationRequest, SiteLog, SiteOutcome
from server.storage.rollup import SKEW_MS
from server.storage.rows import EVENT_COLUMNS, REPLAY_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa

    from server.evaluate.service import BlockReport
    from server.config.schema import Config
    from server.sites import SiteRegistry
    from server.storage.event_log import EventLog

log = logging.getLogger("attune.evaluate")

INTERVAL_S = 15 * 60  # estimates move slowly: a quarter of an hour old is fresh enough to read
FIRST_RUN_S = 30.0  # after the learner's restore and the first requests, not during them
DAYS = 30  # bounds the work: a replay reads and trains on at most this many days of one site
DAY_MS = 86_400_000
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # where `python -m server.evaluate.worker` finds `server`


@dataclass(frozen=True, slots=True)
class SiteEvaluation:
    """One site's latest estimates: from decisions made since `since_ms`, computed at `computed_at` (ms)."""

    site: str
    computed_at: int
    took_ms: int
    since_ms: int
    reports: dict[str, BlockReport]  # by block id


@dataclass(frozen=True, slots=True)
class FailedEvaluation:
    site: str
    failed_at: int
    message: str


def recent_tables(event_log: EventLog, *, site: str, since_ms: int) -> tuple[pa.Table, pa.Table]:
    """One site's decisions since `since_ms` and the events that can belong to them, in log order, from one
    snapshot; an event of an older decision teaches nothing, as the replay does not know that decision."""
    with event_log.cursor() as cursor:
        cursor.execute("BEGIN TRANSACTION")
        try:
            decisions = cursor.sql(f"SELECT {', '.join(REPLAY_COLUMNS)} FROM decisions "
                                   "WHERE site = $site AND decided_at >= $since ORDER BY seq",
                                   params={"site": site, "since": since_ms}).to_arrow_table()
            events = cursor.sql(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events "
                                "WHERE site = $site AND received_at >= $since ORDER BY seq",
                                params={"site": site, "since": since_ms - SKEW_MS}).to_arrow_table()
        finally:
            cursor.execute("ROLLBACK")  # read only: nothing to keep
    return decisions, events


class WorkerFailed(RuntimeError):
    """The evaluation process ended without reports; the message is its last line of error output."""


def idle_priority() -> None:
    """In the worker before it starts: run only on CPU time nothing else wants (SCHED_IDLE), imports included.

    At nice 10 alone the replay still took enough of a 2-core machine to lift decide's p99 at 1,000/s from
    ~12 ms to ~110 ms (`./dev bench --only decide`)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux: the lowest nice instead
        os.nice(19)


def evaluate_in_worker(request: EvaluationRequest, *, running: Callable[[subprocess.Popen | None], None]
                       ) -> list[SiteOutcome]:
    """What `python -m server.evaluate.worker` found for each site of `request`; `running` is told of the
    process while it runs, so stopping the server can end it."""
    worker = subprocess.Popen([sys.executable, "-m", "server.evaluate.worker"], cwd=PACKAGE_ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              preexec_fn=idle_priority)
    running(worker)
    try:
        out, err = worker.communicate(pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        running(None)
    if err:
        log.warning("the evaluation process said:\n%s", err.decode(errors="replace").rstrip())
    if worker.returncode != 0:
        said = err.decode(errors="replace").strip().splitlines()
        raise WorkerFailed(said[-1] if said else f"the evaluation process ended with status {worker.returncode}")
    return pickle.loads(out)  # from the process this server just started


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class BackgroundEvaluator:
    """Keeps every site's latest off-policy estimates; `run_once` computes them now, the thread every INTERVAL_S."""

    def __init__(self, *, sites: SiteRegistry, event_log: EventLog, now_ms: Callable[[], int] = wall_clock_ms,
                 interval: float = INTERVAL_S, first_run: float = FIRST_RUN_S, enabled: bool = True) -> None:
        self._sites = sites
        self.enabled = enabled  # off (ATTUNE_EVALUATE_MINUTES=0): a busy server spares the replay's CPU
        self._event_log = event_log
        self._now_ms = now_ms
        self._interval = interval
        self._first_run = first_run
        self._latest: dict[str, SiteEvaluation] = {}
        self._failed: dict[str, FailedEvaluation] = {}  # the last failure, while no later run has succeeded
        self._worker: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="attune-evaluate", daemon=True)

    def latest(self, site: str) -> SiteEvaluation | None:
        return self._latest.get(site)

    def failed(self, site: str) -> FailedEvaluation | None:
        if not self.enabled:
            return FailedEvaluation(site, 0, "turned off on this server (ATTUNE_EVALUATE_MINUTES=0): "
                                             "run `attune evaluate` for these figures")
        return self._failed.get(site)

    def start(self) -> None:
        if self.enabled:
            self._thread.start()

    def stop(self) -> None:
        """Ends an evaluation in progress (its estimates are lost: the next start computes them again)."""
        self._stopping.set()
        worker = self._worker
        if worker is not None:
            worker.kill()
        if self._thread.is_alive():
            self._thread.join()

    def run_once(self, now_ms: int | None = None) -> list[SiteEvaluation]:
        """Evaluate every configured site; a site that fails is logged and keeps its previous estimates."""
        config = self._sites.config  # the live one, admin edits included, as `attune evaluate` reads it
        now = self._now_ms() if now_ms is None else now_ms
        since = now - DAYS * DAY_MS
        sites = [site.key for site in config.sites]
        try:
            started = time.perf_counter()
            logs = [SiteLog(site, since, *recent_tables(self._event_log, site=site, since_ms=since)) for site in sites]
            read_ms = round((time.perf_counter() - started) * 1000 / max(1, len(sites)))
            outcomes = evaluate_in_worker(EvaluationRequest(config, now, logs), running=self._running)
        except Exception as error:  # the page keeps the last estimates and says this run failed
            if self._stopping.is_set() and self._thread.is_alive():
                return []  # the server stopped the thread's evaluation: not a failure
            log.exception("off-policy evaluation failed; it runs again in %.0f s", self._interval)
            outcomes = [SiteOutcome(site, 0, None, f"{type(error).__name__}: {error}") for site in sites]
            read_ms = 0
        return [found for outcome in outcomes if (found := self._keep(outcome, now, since, read_ms))]

    def _keep(self, outcome: SiteOutcome, now: int, since: int, read_ms: int) -> SiteEvaluation | None:
        if outcome.reports is None:
            log.error("off-policy evaluation of site %s failed: %s", outcome.site, outcome.error)
            self._failed[outcome.site] = FailedEvaluation(outcome.site, now, outcome.error or "unknown error")
            return None
        took = read_ms + outcome.took_ms
        found = SiteEvaluation(outcome.site, now, took, since, {r.block: r for r in outcome.reports})
        self._latest[outcome.site] = found  # one assignment: a reader sees the old estimates or the new, never a mix
        self._failed.pop(outcome.site, None)
        log.info("off-policy evaluation of site %s: %d blocks in %d ms", outcome.site, len(outcome.reports), took)
        return found

    def _running(self, worker: subprocess.Popen | None) -> None:
        self._worker = worker
        if worker is not None and self._stopping.is_set() and self._thread.is_alive():
            worker.kill()  # started just as the server stopped

    def _run(self) -> None:
        wait = self._first_run
        while not self._stopping.wait(wait):
            try:
                self.run_once()
            except Exception:  # run_once keeps its failures; this is a bug in it, so keep the thread alive
                log.exception("off-policy evaluation failed; it runs again in %.0f s", self._interval)
            wait = self._interval
