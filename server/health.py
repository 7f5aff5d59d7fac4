"""GET /healthz: alive, and how far the learner has got."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from msgspec import Struct

from server.runtime import Runtime


class Health(Struct):
    status: str
    learned: int
    pending: int
    log_position: int
    snapshots: int
    write_groups: int


@get("/healthz", tags=["operations"], summary="Liveness and learner progress", sync_to_thread=False)
def healthz(runtime: NamedDependency[Runtime]) -> Health:
    learner = runtime.learner.learner
    return Health(status="ok", learned=learner.learned, pending=len(learner.join), log_position=learner.last_seq,
                  snapshots=runtime.learner.snapshots, write_groups=runtime.writer.groups)
