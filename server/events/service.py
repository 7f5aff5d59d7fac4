"""Check a batch of events, store it durably, report what was new."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from server.config.schema import Site
from server.decide.service import visitor_hash
from server.events.answers import InvalidEvent, check_survey_fields
from server.events.schemas import NEEDS_DECISION, EventIn, EventsAccepted, EventsRequest
from server.storage.rows import EventRow
from server.events.rate_limit import EventRateLimit
from server.sites import SiteRegistry
from server.storage.writer import GroupCommitWriter

CLOCK_TOLERANCE_MS = 24 * 3600 * 1000  # a client stamp further than this from the server's clock is not believed


@dataclass(slots=True)
class EventsDeps:
    """What the events route needs, and nothing else of the runtime."""

    sites: SiteRegistry
    writer: GroupCommitWriter
    visitor_key: bytes
    rate_limit: EventRateLimit
    trusted_proxies: frozenset[str]
    # a new visitor's impressions claim their first page's decisions as sticky (server/decide/sticky.py)
    claim_first_page: Callable[..., int] = lambda **_: 0


def check_event(index: int, event: EventIn, site: Site | None = None) -> None:
    where = f"events[{index}]"
    if event.type in NEEDS_DECISION and event.decision_id is None:
        raise InvalidEvent(f"{where}.decision_id: required for a {event.type!r} event")
    if event.type == "rating":
        if event.value is None or event.value not in (-1, 1, 2, 3, 4, 5):
            raise InvalidEvent(f"{where}.value: a rating is -1 or 1 (thumbs) or 1 to 5 (stars)")
    check_survey_fields(where, event, site)


def client_stamp(index: int, ts: int | None, received_at: int, warnings: list[str]) -> int | None:
    """The client's timestamp if it is within a day of the server's clock, else the server's, with a warning."""
    if ts is None or abs(ts - received_at) <= CLOCK_TOLERANCE_MS:
        return ts
    warnings.append(f"events[{index}].ts: more than a day from the server's clock; the server's time was stored")
    return received_at


def event_row(event: EventIn, *, site: str, visitor: str | None, ts: int | None, received_at: int) -> EventRow:
    tech = event.tech
    return EventRow(
        id=event.id, site=site, visitor=visitor, type=event.type, decision_id=event.decision_id, value=event.value,
        ts=ts, received_at=received_at, survey=event.survey, question=event.question,
        choices=orjson.dumps(event.choices).decode() if event.choices is not None else None, text=event.text,
        name=event.name, page=event.page, language=event.language, **({} if tech is None else {
            "ttfb_ms": tech.ttfb_ms, "lcp_ms": tech.lcp_ms, "inp_ms": tech.inp_ms, "decide_ms": tech.decide_ms,
            "js_errors": tech.js_errors}),
    )


async def store_events(*, request: EventsRequest, writer: GroupCommitWriter, visitor_key: bytes,
                       site: Site | None = None) -> EventsAccepted:
    """`site`: the site's configuration, to check survey answers against their questions (None: unchecked)."""
    for index, event in enumerate(request.events):
        check_event(index, event, site)
    hashed = visitor_hash(visitor_key, request.site, request.visitor) if request.visitor else None
    received_at = time.time_ns() // 1_000_000
    warnings: list[str] = []
    rows = [event_row(e, site=request.site, visitor=hashed, ts=client_stamp(i, e.ts, received_at, warnings),
                      received_at=received_at) for i, e in enumerate(request.events)]
    stored = await writer.store_events(rows)
    warnings += [f"events[{i}]: the event log could not store it; not accepted" for i in stored.refused]
    return EventsAccepted(accepted=stored.accepted, duplicates=stored.duplicates, unmatched=stored.unmatched,
                          warnings=warnings)
