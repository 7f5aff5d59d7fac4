"""GET /healthz: alive, and how far the learner has got."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from litestar import get
from litestar.di import NamedDependency
from msgspec import Struct

from server.events.rate_limit import EventRateLimit
from server.learner.runtime import LearnerRuntime
from server.storage.writer import GroupCommitWriter  # imported for real: Litestar resolves these hints


@dataclass(slots=True)
class HealthDeps:
    learner: LearnerRuntime
    writer: GroupCommitWriter
    event_rate_limit: EventRateLimit
    status: Callable[[], str] = lambda: "ok"  # scaled mode: "degraded" while Redis is unreachable


class Health(Struct, kw_only=True):
    status: str
    learned: int
    pending: int  # decisions the learner holds: awaiting their impression or their window's close
    unseen: int  # of those, awaiting their impression
    dropped_unseen: int  # unseen decisions dropped since start because their site held its maximum
    unmatched_events: int  # events that reached the learner for no pending decision: nothing learned
    foreign_events: int  # events that named another site's decision: nothing learned
    refused_events: int  # events refused by the rate limit since start
    unstorable_rows: int  # rows the event log refused even alone since start (each logged): should stay 0
    log_position: int
    snapshots: int
    write_groups: int


@get("/healthz", tags=["operations"], summary="Liveness and learner progress", sync_to_thread=False)
def healthz(health_deps: NamedDependency[HealthDeps]) -> Health:
    learner = health_deps.learner.learner
    join = learner.join
    return Health(status=health_deps.status(), learned=learner.learned, pending=len(join), unseen=join.unseen(),
                  dropped_unseen=join.dropped_unseen, unmatched_events=join.unmatched_events,
                  foreign_events=join.foreign_events, refused_events=health_deps.event_rate_limit.refused,
                  unstorable_rows=health_deps.writer.refused_rows,
                  log_position=learner.last_seq, snapshots=health_deps.learner.snapshots,
                  write_groups=health_deps.writer.groups)
