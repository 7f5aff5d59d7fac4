"""HTTP for events: thin; 202 means every accepted event is on disk."""

from __future__ import annotations

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.exceptions import TooManyRequestsException
from litestar.params import JSONBody

from server.body import BROWSER_TEXT
from server.client_address import client_address
from server.errors import answers
from server.events.schemas import EventsAccepted, EventsRequest
from server.events.service import EventsDeps, store_events
from server.origins import check_origin


class EventsController(Controller):
    path = "/v1/events"
    tags = ["data plane"]

    @post(status_code=202, summary="Log events", description=(
        "Acknowledged only once durably stored. Event ids make retries safe: a repeated id is counted "
        "in `duplicates` and ignored. The body is JSON, sent as application/json or as text/plain (a CORS-simple "
        "request: what the JS SDK and sendBeacon send)."),
        opt={BROWSER_TEXT: True}, responses=answers(400, 403, 404, 413, 415, 429, 503))
    async def ingest(
        self, request: Request, data: JSONBody[EventsRequest], events_deps: NamedDependency[EventsDeps]
    ) -> EventsAccepted:
        site = events_deps.sites.site(data.site)
        check_origin(request, site)
        wait = events_deps.rate_limit.retry_after(
            visitor=data.visitor, address=client_address(request, events_deps.trusted_proxies),
            events=len(data.events))
        if wait:
            raise TooManyRequestsException(f"too many events from this visitor or address: retry in {wait} s",
                                           headers={"retry-after": str(wait)})
        accepted = await store_events(request=data, writer=events_deps.writer, visitor_key=events_deps.visitor_key,
                                      site=site)
        seen = [e.decision_id for e in data.events if e.type == "impression" and e.decision_id]
        if data.visitor and seen:
            events_deps.claim_first_page(site=data.site, visitor=data.visitor, decision_ids=seen)
        return accepted
