"""Check a batch of events, store it durably, report what was new."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from server.decide.service import visitor_hash
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


class InvalidEvent(ValueError):
    """An event that is well-formed JSON but makes no sense; the message names it."""


def check_event(index: int, event: EventIn) -> None:
    where = f"events[{index}]"
    if event.type in NEEDS_DECISION and event.decision_id is None:
        raise InvalidEvent(f"{where}.decision_id: required for a {event.type!r} event")
    if event.type == "rating":
        if event.value is None or event.value not in (-1, 1, 2, 3, 4, 5):
            raise InvalidEvent(f"{where}.value: a rating is -1 or 1 (thumbs) or 1 to 5 (stars)")


def client_stamp(index: int, ts: int | None, received_at: int, warnings: list[str]) -> int | None:
    """The client's timestamp if it is within a day of the server's clock, else the server's, with a warning."""
    if ts is None or abs(ts - received_at) <= CLOCK_TOLERANCE_MS:
        return ts
    warnings.append(f"events[{index}].ts: more than a day from the server's clock; the server's time was stored")
    return received_at


async def store_events(*, request: EventsRequest, writer: GroupCommitWriter, visitor_key: bytes) -> EventsAccepted:
    for index, event in enumerate(request.events):
        check_event(index, event)
    hashed = visitor_hash(visitor_key, request.site, request.visitor) if request.visitor else None
    received_at = time.time_ns() // 1_000_000
    warnings: list[str] = []
    rows = [
        EventRow(id=e.id, site=request.site, visitor=hashed, type=e.type, decision_id=e.decision_id,
                 value=e.value, ts=client_stamp(i, e.ts, received_at, warnings), received_at=received_at)
        for i, e in enumerate(request.events)
    ]
    stored = await writer.store_events(rows)
    warnings += [f"events[{i}]: the event log could not store it; not accepted" for i in stored.refused]
    return EventsAccepted(accepted=stored.accepted, duplicates=stored.duplicates, unmatched=stored.unmatched,
                          warnings=warnings)
