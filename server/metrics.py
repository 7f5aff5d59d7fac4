"""Prometheus metrics, defined in one place, and `GET /metrics` that serves them.

One process: the default registry. Several processes on one host that share a scrape (scaled mode's
launcher): start every one with PROMETHEUS_MULTIPROC_DIR naming the same empty directory, and
/metrics on any of them sums all of them (prometheus-client's multiprocess mode; each gauge says how
it combines). The variable must be set before the process starts: prometheus-client reads it at import.

Scaled mode (server/scaled/) updates STREAM_BACKLOG (the learner, every few seconds), REDIS_ERRORS, SPOOL_* and,
at the edges, POLICY_* and EVENTS (at the 202); the embedded paths update the rest through the small functions below.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from bisect import bisect_left
from collections.abc import Iterable
from typing import TYPE_CHECKING

from litestar import Request, Response, get
from litestar.exceptions import NotAuthorizedException
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler

    from server.decide.schemas import Decision
    from server.storage.rows import EventRow

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

DECIDE_SECONDS = Histogram(
    "attune_decide_seconds", "Time to answer a decide call (decode, decide, encode), observed once for each block",
    ["site", "block"],
    buckets=(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25))
DECISIONS = Counter("attune_decisions_total", "Decisions served, by the reason their explanation gives",
                    ["site", "block", "reason"])
EVENTS = Counter(
    "attune_events_total", "Events received, by outcome: accepted (new, durably stored), duplicate (its id was "
    "stored before), unmatched (its decision is unknown or another site's), refused (the log would not store it)",
    ["type", "outcome"])
RATE_LIMITED = Counter("attune_rate_limited_total", "Requests answered 429 by a rate limit", ["limit"])
WRITER_GROUP_ROWS = Histogram("attune_writer_group_rows", "Rows (decisions and events) committed per DuckDB transaction",
                              buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000))
WRITER_REFUSED_ROWS = Counter("attune_writer_refused_rows_total",
                              "Rows the event log refused even alone (each one logged): should stay 0")
LEARNER_LAG = Histogram("attune_learner_lag_seconds", "From an event's arrival at the server to the learner applying it",
                        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
LEARNED = Counter("attune_learned_total", "Examples learned live by this process (the replay at start not counted)")
POLICY_VERSION = Gauge("attune_policy_version", "Examples learned by the policies this process decides with",
                       multiprocess_mode="liveall")
POLICY_PUBLISHED = Gauge(
    "attune_policy_published_timestamp_seconds",
    "When the policies this process decides with were published (Unix time): their age is time() minus this",
    multiprocess_mode="liveall")
STREAM_BACKLOG = Gauge("attune_stream_backlog", "Entries of a Redis stream that the learner has not acknowledged",
                       ["stream"], multiprocess_mode="livemax")
REDIS_ERRORS = Counter("attune_redis_errors_total", "Redis calls that failed (unreachable, timed out, refused)",
                       ["operation"])
SPOOL_DECISIONS = Gauge("attune_spool_decisions", "Decisions held in the local spool file until Redis is back",
                        multiprocess_mode="livesum")
SPOOL_BYTES = Gauge("attune_spool_bytes", "Size of the local spool file", multiprocess_mode="livesum")

FLUSH_SECONDS = 1.0


class _DecideTally:
    """Decide calls counted in plain Python, handed to prometheus-client once a second and at each scrape:
    its locks, taken per block, would cost the hot path three times as much as this tally does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # decide runs on each app's event loop; tests run several apps at once
        self._bounds = DECIDE_SECONDS._upper_bounds  # ends with +Inf: every time finds its bucket
        self._times: dict[tuple[str, str], list] = {}  # (site, block) -> [per bucket: how many..., sum of seconds]
        self._reasons: dict[tuple[str, str, str], int] = {}
        self._flushed_at = 0.0

    def add(self, site: str, decisions: Iterable[Decision], seconds: float, now: float) -> None:
        bucket = bisect_left(self._bounds, seconds)  # the first bound >= seconds, as Histogram.observe finds it
        with self._lock:
            for decision in decisions:
                tally = self._times.get((site, decision.block))
                if tally is None:
                    tally = self._times[site, decision.block] = [0] * len(self._bounds) + [0.0]
                tally[bucket] += 1
                tally[-1] += seconds
                key = (site, decision.block, decision.explain.reason)
                self._reasons[key] = self._reasons.get(key, 0) + 1
            due = now - self._flushed_at >= FLUSH_SECONDS
        if due:
            self.flush(now)

    def flush(self, now: float) -> None:
        with self._lock:
            times, self._times = self._times, {}
            reasons, self._reasons = self._reasons, {}
            self._flushed_at = now
        for (site, block), tally in times.items():
            child = DECIDE_SECONDS.labels(site, block)
            for index, count in enumerate(tally[:-1]):
                if count:
                    child._buckets[index].inc(count)  # what observe() does, once per bucket instead of per call
            child._sum.inc(tally[-1])
        for labels, count in reasons.items():
            DECISIONS.labels(*labels).inc(count)


_decide_tally = _DecideTally()


def observe_decide(site: str, decisions: Iterable[Decision], seconds: float) -> None:
    """One decide call answered in `seconds`: its time for each of its blocks, and each decision's reason."""
    _decide_tally.add(site, decisions, seconds, time.monotonic())


_counted_elsewhere: frozenset[str] = frozenset()  # outcomes count_events leaves to other processes


def count_events(outcomes: dict[tuple[str, str], int]) -> None:
    """{(event type, outcome): how many} for one batch; outcome: accepted, duplicate, unmatched or refused."""
    for (kind, outcome), count in outcomes.items():
        if count and outcome not in _counted_elsewhere:
            EVENTS.labels(kind, outcome).inc(count)


def edges_count_acknowledged(on: bool) -> None:
    """Scaled mode's learner: each edge counts an event accepted or duplicate at its 202, so the learner's log
    counts only what it finds unmatched or refuses, and a sum over every process counts each acknowledgement once."""
    global _counted_elsewhere
    _counted_elsewhere = frozenset({"accepted", "duplicate"}) if on else frozenset()


def observe_learned(events: Iterable[EventRow], *, now_ms: int, learned: int) -> None:
    """After the learner applied a group live: each event's lag, and how many examples it learned."""
    for event in events:
        LEARNER_LAG.observe(max(0, now_ms - event.received_at) / 1000)
    if learned:
        LEARNED.inc(learned)


def policy_published(version: int, published_at: float) -> None:
    """The policies this process decides with are now `version`, published at `published_at` (Unix seconds)."""
    POLICY_VERSION.set(version)
    POLICY_PUBLISHED.set(published_at)


def exposition() -> bytes:
    """Every metric in Prometheus text format: this process's, or all processes' in multiprocess mode."""
    _decide_tally.flush(time.monotonic())
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def process_exited() -> None:
    """In multiprocess mode, drop this process's live gauges (a killed process's stay until the directory is
    emptied at the next start)."""
    _decide_tally.flush(time.monotonic())  # a killed process loses up to FLUSH_SECONDS of decide counts
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())


def metrics_route(token: str | None) -> HTTPRouteHandler:
    """GET /metrics for Prometheus; with a token, only for `Authorization: Bearer <token>`."""
    expected = None if token is None else f"Bearer {token}".encode()

    @get("/metrics", include_in_schema=False, sync_to_thread=False)
    def metrics(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "").encode("latin-1", "replace")
            if not hmac.compare_digest(given, expected):
                raise NotAuthorizedException("metrics need 'Authorization: Bearer <ATTUNE_METRICS_TOKEN>'",
                                             headers={"www-authenticate": 'Bearer realm="metrics"'})
        return Response(content=exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics
