"""Retention: a background job deletes what is older than each site's `[sites.privacy.retention]` periods.

Three kinds, each with its own period: behaviour (decisions, visitor counters by when last seen, and the events
impression, click, dismiss, timing, error: any event type that is not feedback), feedback (ratings, survey answers,
surveys shown and dismissed, chosen interests) and consent
(consent and erasure receipts, the export and erasure request log). Age is judged row by row on the server's
clock, with one exception: a decision a kept rating or survey answer names stays as long as that answer (it is
what was rated, and what keeps a rated-down variant hidden after a restart), with its context and "why"
cleared at the behaviour period. Behaviour rows also wait until the results rollup has counted them, so results
never change.

What decide and the survey service hold in memory follows each delete in the same writer job: expired interests
and counters are forgotten, and a visitor whose survey events went has their survey history and profile traits
read again from what is left (so a trait whose answer expired is gone without waiting for a restart).

Every delete runs in the writer thread (`run_job_blocking`) in batches of `BATCH` rows: it never races the
insert of a row it removes and never holds the writer for long. Each run records one `retention_runs` row per
site and kind, with how many rows went.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.storage.rollup import folded_below

if TYPE_CHECKING:
    from server.config.schema import Site
    from server.sites import SiteRegistry
    from server.storage.event_log import EventLog
    from server.storage.writer import GroupCommitWriter

log = logging.getLogger("attune.retention")

DAY_MS = 86_400_000
BATCH = 5_000  # rows per writer job: a few milliseconds of the writer's time each
INTERVAL_S = 3_600.0  # hourly: a row outlives its period by at most an hour
FIRST_RUN_S = 60.0  # shortly after start, once the learner has replayed the log
RUNS_KEPT_DAYS = 400  # the job's own record: a year of hourly runs, per site and kind
# what a visitor told us; a survey shown or dismissed is kept as long, so it is not offered again after a restart
FEEDBACK_EVENTS = ("rating", "survey_response", "survey_answer", "survey_shown", "survey_dismissed")
KINDS = ("feedback", "behaviour", "consent")  # feedback first: a decision whose rating just expired goes too

_FEEDBACK = "('" + "', '".join(FEEDBACK_EVENTS) + "')"
_ANSWERED = f"""EXISTS (SELECT 1 FROM events e WHERE e.site = d.site AND e.decision_id = d.decision_id
                        AND e.type IN {_FEEDBACK})"""


def _batch_delete(table: str, where: str) -> str:
    """At most BATCH rows of `table` (aliased d) matching `where`; rowid picks them, as decisions have no key."""
    return f"DELETE FROM {table} WHERE rowid IN (SELECT d.rowid FROM {table} d WHERE {where} LIMIT {BATCH})"


# (kind, statement, memory): each removes at most BATCH rows of one site older than $cutoff, and is run until fewer
# go; `memory` names what must follow the delete in memory, for the visitors the statement returns
STATEMENTS: list[tuple[str, str, str | None]] = [
    ("feedback", _batch_delete("events", f"d.site = $site AND d.received_at < $cutoff AND d.type IN {_FEEDBACK}")
     + " RETURNING visitor", "surveys"),  # whose survey history and profile traits are read again
    ("feedback", _batch_delete("visitor_interests", "d.site = $site AND d.updated_at < $cutoff")
     + " RETURNING visitor", "interests"),  # whose interests decide must forget
    ("behaviour", _batch_delete("events", f"d.site = $site AND d.received_at < $cutoff AND d.type NOT IN {_FEEDBACK}"),
     None),
    ("behaviour", _batch_delete("decisions", f"d.site = $site AND d.decided_at < $cutoff AND NOT {_ANSWERED}"), None),
    ("behaviour", _batch_delete("visitor_counters", "d.site = $site AND d.last_seen < $cutoff")
     + " RETURNING visitor", "counters"),  # whose counters decide must forget
    ("consent", _batch_delete("consent_receipts", "d.site = $site AND d.recorded_at < $cutoff"), None),
    ("consent", _batch_delete("erasure_receipts", "d.site = $site AND d.erased_at < $cutoff"), None),
    ("consent", _batch_delete("privacy_requests", "d.site = $site AND d.requested_at < $cutoff"), None),
]
# an answered decision past the behaviour period keeps only what its answer needs (block, variant, visitor hash)
CLEAR_CONTEXT = f"""UPDATE decisions SET context = '{{}}', summary = NULL WHERE rowid IN (
    SELECT d.rowid FROM decisions d WHERE d.site = $site AND d.decided_at < $cutoff AND d.context <> '{{}}'
    LIMIT {BATCH})"""


@dataclass(frozen=True, slots=True)
class RetentionRun:
    site: str
    kind: str
    deleted: int
    ran_at: int


def cutoffs(site: Site, *, now_ms: int, counted_below: int) -> dict[str, int]:
    """Per kind, the instant before which a row of `site` goes (behaviour: never before the rollup counted it)."""
    periods = site.privacy.retention
    return {
        "behaviour": min(now_ms - periods.behaviour_days * DAY_MS, counted_below),
        "feedback": now_ms - periods.feedback_days * DAY_MS,
        "consent": now_ms - periods.consent_days * DAY_MS,
    }


def _keep_all(*, site: str, visitor: str) -> int:
    return 0


def _read_nothing_again(cursor, *, site: str, visitors: list[str]) -> None:
    return None


def run_once(*, sites: SiteRegistry, writer: GroupCommitWriter, event_log: EventLog, now_ms: int,
             forget_interests: Callable[..., int] = _keep_all, forget_counters: Callable[..., int] = _keep_all,
             reload_surveys: Callable[..., None] = _read_nothing_again,
             stopping: threading.Event | None = None) -> list[RetentionRun]:
    """Delete every row past its site's period; returns (and records) what went, per site and kind.

    `forget_interests(site=, visitor=)` drops expired interests from decide's memory, in the writer thread, so a
    visitor's new choice saved just after (a later writer job) is never forgotten; `reload_surveys(cursor, site=,
    visitors=)` reads those visitors' survey history and profile traits again from the rows left, in the same job.
    """
    def start(cursor) -> int:
        event_log.keep_position(cursor)  # deleting the newest rows must not hand their log positions out again
        return folded_below(cursor)

    counted_below = writer.run_job_blocking(start)
    runs = []
    for site in sites.config.sites:
        limits = cutoffs(site, now_ms=now_ms, counted_below=counted_below)
        deleted = dict.fromkeys(KINDS, 0)
        forgetters = {"interests": forget_interests, "counters": forget_counters}
        for kind, statement, memory in STATEMENTS:
            forget = functools.partial(forgetters[memory], site=site.key) if memory in forgetters else None
            reload = functools.partial(reload_surveys, site=site.key) if memory == "surveys" else None
            deleted[kind] += _in_batches(writer, statement, {"site": site.key, "cutoff": limits[kind]}, stopping,
                                         forget=forget, reload=reload)
        _in_batches(writer, CLEAR_CONTEXT, {"site": site.key, "cutoff": limits["behaviour"]}, stopping)
        if stopping is not None and stopping.is_set():
            break  # a partial run is not recorded: the next start finishes it
        runs += [RetentionRun(site=site.key, kind=kind, deleted=n, ran_at=now_ms) for kind, n in deleted.items()]
    writer.run_job_blocking(lambda cursor: _record(cursor, runs, now_ms=now_ms))
    return runs


def _in_batches(writer: GroupCommitWriter, statement: str, params: dict, stopping: threading.Event | None,
                forget: Callable[..., int] | None = None, reload: Callable[..., None] | None = None) -> int:
    def batch(cursor) -> int:
        if forget is None and reload is None:
            return cursor.execute(statement, params).fetchone()[0]
        visitors = cursor.execute(statement, params).fetchall()
        if forget is not None:
            for (visitor,) in visitors:
                forget(visitor=visitor)
        known = sorted({visitor for (visitor,) in visitors if visitor is not None})
        if reload is not None and known:
            reload(cursor, visitors=known)
        return len(visitors)

    total = 0
    while not (stopping is not None and stopping.is_set()):
        done = writer.run_job_blocking(batch)
        total += done
        if done < BATCH:
            break
    return total


def _record(cursor, runs: list[RetentionRun], *, now_ms: int) -> None:
    cursor.execute("DELETE FROM retention_runs WHERE ran_at < $before", {"before": now_ms - RUNS_KEPT_DAYS * DAY_MS})
    if runs:
        cursor.executemany("INSERT INTO retention_runs VALUES (?, ?, ?, ?)",
                           [(r.ran_at, r.site, r.kind, r.deleted) for r in runs])


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class RetentionThread:
    """Runs `run_once` shortly after start and then every `interval` seconds, off the request path."""

    def __init__(self, *, sites: SiteRegistry, writer: GroupCommitWriter, event_log: EventLog,
                 forget_interests: Callable[..., int] = _keep_all, forget_counters: Callable[..., int] = _keep_all,
                 reload_surveys: Callable[..., None] = _read_nothing_again, now_ms: Callable[[], int] = wall_clock_ms,
                 interval: float = INTERVAL_S, first_run: float = FIRST_RUN_S) -> None:
        self._sites = sites
        self._writer = writer
        self._event_log = event_log
        self._forget_interests = forget_interests
        self._forget_counters = forget_counters
        self._reload_surveys = reload_surveys
        self._now_ms = now_ms
        self._interval = interval
        self._first_run = first_run
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="attune-retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Before the writer stops: a batch in progress finishes, no new one starts."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def run_once(self, now_ms: int | None = None) -> list[RetentionRun]:
        return run_once(sites=self._sites, writer=self._writer, event_log=self._event_log,
                        forget_interests=self._forget_interests, forget_counters=self._forget_counters,
                        reload_surveys=self._reload_surveys, now_ms=self._now_ms() if now_ms is None else now_ms)

    def _run(self) -> None:
        wait = self._first_run
        while not self._stopping.wait(wait):
            try:
                run_once(sites=self._sites, writer=self._writer, event_log=self._event_log,
                         forget_interests=self._forget_interests, forget_counters=self._forget_counters,
                         reload_surveys=self._reload_surveys, now_ms=self._now_ms(), stopping=self._stopping)
            except Exception:  # nothing is lost by waiting: the next run deletes what this one did not
                log.exception("the retention job failed; it runs again in %.0f s", self._interval)
            wait = self._interval
