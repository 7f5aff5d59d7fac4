"""The edge's Litestar app: decide, events, the widget bundle, the demo page and /healthz; the rest is the learner's.

A front proxy (infra/launch.py, a Kubernetes Ingress) sends /admin, /v1/consent, /v1/visitor, /v1/sites,
/v1/surveys and /transparency to the learner, which owns the DuckDB file they read and write.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Response, get
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_302_FOUND
from litestar.types import ASGIApp
from msgspec import Struct

from server.config.schema import Config
from server.scaled.edge import EdgeRuntime
from server.settings import Settings


class EdgeHealth(Struct, kw_only=True):
    status: str  # "degraded" while Redis is unreachable or decisions wait in the spool
    role: str
    policy_version: int  # the published learner version this edge decides with
    config_version: int  # the learner's live configuration version this edge serves (0: its own --config)
    policy_age_s: float | None  # since the learner published it
    spool_bytes: int
    spool_dropped: int  # decisions answered while the spool was full: never logged
    redis_errors: int
    refused_events: int


def create_edge_app(edge: EdgeRuntime) -> Litestar:
    import time

    from server.app import DEMO_DIR, request_gate
    from server.bundle.controllers import BundleController
    from server.decide.controllers import DecideController
    from server.errors import EXCEPTION_HANDLERS, MAX_BODY_BYTES
    from server.events.controllers import EventsController
    from server.metrics import metrics_route
    from server.origins import SiteCorsMiddleware

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await edge.start()
        try:
            gc.freeze()
            yield
        finally:
            await edge.stop()

    @get("/healthz", tags=["operations"], summary="Liveness of an edge, and whether Redis takes its writes",
         sync_to_thread=False)
    def healthz() -> EdgeHealth:
        published = edge.follower.published_at
        return EdgeHealth(status=edge.status, role="edge", policy_version=edge.follower.version,
                          config_version=edge.config_follower.version,
                          policy_age_s=None if published is None else round(time.time() - published, 3),
                          spool_bytes=edge.spool.size, spool_dropped=edge.spool.dropped,
                          redis_errors=edge.stream.redis_errors + edge.visitors.redis_errors, refused_events=edge.event_rate_limit.refused)

    @get("/", include_in_schema=False, sync_to_thread=False)
    def home() -> Response:
        return Response(content=None, status_code=HTTP_302_FOUND, headers={"location": "/demo/"})

    return Litestar(
        route_handlers=[
            DecideController, EventsController, BundleController, healthz, home,
            metrics_route(edge.settings.metrics_token),
            create_static_files_router(path="/demo", directories=[DEMO_DIR], html_mode=True, include_in_schema=False),
        ],
        dependencies={
            "decide_deps": Provide(lambda: edge.decide_deps, sync_to_thread=False),
            "events_deps": Provide(lambda: edge.events_deps, sync_to_thread=False),
            "site_registry": Provide(lambda: edge.sites, sync_to_thread=False),
        },
        middleware=[DefineMiddleware(SiteCorsMiddleware, allowed=lambda: edge.sites.any_origin)],
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=request_gate,
        lifespan=[lifespan],
        request_max_body_size=MAX_BODY_BYTES,
        logging_config=None,
    )


def serving_edge_app(settings: Settings, config: Config) -> ASGIApp:
    from server.decide.fast_path import DecideFastPath
    from server.errors import MAX_BODY_BYTES
    from server.scaled.shared_prefetch import VisitorPrefetch

    edge = EdgeRuntime(settings, config)
    fast = DecideFastPath(create_edge_app(edge), deps=lambda: edge.decide_deps, max_body=MAX_BODY_BYTES)
    return VisitorPrefetch(fast, state=edge.visitors, deps=lambda: edge.decide_deps,
                           unreachable=edge.redis_unreachable, max_body=MAX_BODY_BYTES)
