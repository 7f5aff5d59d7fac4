"""HTTP for events: thin; 202 means every accepted event is on disk."""

from __future__ import annotations

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from server.events.schemas import EventsAccepted, EventsRequest
from server.events.service import store_events
from server.origins import check_origin
from server.runtime import Runtime


class EventsController(Controller):
    path = "/v1/events"
    tags = ["data plane"]

    @post(status_code=202, summary="Log events", description=(
        "Acknowledged only once durably stored. Event ids make retries safe: a repeated id is counted "
        "in `duplicates` and ignored."))
    async def ingest(
        self, request: Request, data: JSONBody[EventsRequest], runtime: NamedDependency[Runtime]
    ) -> EventsAccepted:
        check_origin(request, runtime.sites.site(data.site))
        return await store_events(request=data, writer=runtime.writer, visitor_key=runtime.visitor_key)
