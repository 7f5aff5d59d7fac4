"""The Litestar app, assembled in one place."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from litestar import Litestar, Response, get
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_302_FOUND

if TYPE_CHECKING:
    from litestar import Request
    from litestar.types import ASGIApp

    from server.runtime import Runtime

DEMO_DIR = Path(__file__).with_name("demo")


async def request_gate(request: Request) -> None:
    """Before every handler: a path no file could have is a 404 (not the OS error), then the JSON body gate."""
    from server.body import json_body_gate

    path = request.scope["path"]
    if "\x00" in path:
        raise NotFoundException("no such path: it holds a NUL byte")
    if len(path) > 255 and (len(path) > 2048 or any(len(p.encode("utf-8", "surrogatepass")) > 255
                                                     for p in path.split("/"))):
        raise NotFoundException("no such path: it is longer than a file name or path can be")
    await json_body_gate(request)


def create_app(runtime: Runtime, lifespans: list = ()) -> Litestar:
    """`lifespans`: what runs beside the runtime (scaled mode's learner side, server/scaled/learner.py)."""
    from server.admin.routes import admin_parts
    from server.bundle.controllers import BundleController
    from server.decide.controllers import DecideController
    from server.errors import EXCEPTION_HANDLERS, MAX_BODY_BYTES
    from server.events.controllers import EventsController
    from server.health import healthz
    from server.metrics import metrics_route
    from server.origins import SiteCorsMiddleware
    from server.privacy.controllers import ConsentController, VisitorController, site_privacy
    from server.privacy.transparency import TransparencyController
    from server.surveys.controllers import SurveysController

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        runtime.start()
        try:
            gc.freeze()
            yield
        finally:
            runtime.stop()

    admin = admin_parts(runtime)

    @get("/", include_in_schema=False, sync_to_thread=False)
    def home() -> Response:
        return Response(content=None, status_code=HTTP_302_FOUND, headers={"location": "/demo/"})

    return Litestar(
        route_handlers=[
            DecideController, EventsController, BundleController, healthz, home,
            ConsentController, VisitorController, site_privacy,
            create_static_files_router(path="/demo", directories=[DEMO_DIR], html_mode=True, include_in_schema=False),
            TransparencyController, SurveysController, metrics_route(runtime.settings.metrics_token),
            *admin.route_handlers,
        ],
        dependencies={
            "decide_deps": Provide(lambda: runtime.decide_deps, sync_to_thread=False),
            "events_deps": Provide(lambda: runtime.events_deps, sync_to_thread=False),
            "health_deps": Provide(lambda: runtime.health_deps, sync_to_thread=False),
            "privacy_deps": Provide(lambda: runtime.privacy_deps, sync_to_thread=False),
            "site_registry": Provide(lambda: runtime.sites, sync_to_thread=False),
            "surveys_deps": Provide(lambda: runtime.surveys_deps, sync_to_thread=False),
        },
        middleware=[DefineMiddleware(SiteCorsMiddleware, allowed=lambda: runtime.sites.any_origin)],
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=request_gate,
        lifespan=[lifespan, admin.lifespan, *lifespans],
        template_config=admin.template_config,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(title="Attune", version="1", path="/schema"),
        logging_config=None,
    )


def serving_app(runtime: Runtime, lifespans: list = ()) -> ASGIApp:
    """What `attune serve` runs: the Litestar app behind the decide hot path (see server/decide/fast_path.py)."""
    from server.decide.fast_path import DecideFastPath
    from server.errors import MAX_BODY_BYTES

    return DecideFastPath(create_app(runtime, lifespans), deps=lambda: runtime.decide_deps, max_body=MAX_BODY_BYTES)
