"""The events wire contract (v1)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from server.decide.schemas import VisitorId

MAX_EVENTS = 100
MAX_VALUE = 1e9  # ratings are -1..5 and timings milliseconds: anything larger is not a measurement

EventType = Literal["impression", "click", "rating", "dismiss", "survey_response", "timing", "error"]
NEEDS_DECISION = ("impression", "click", "rating", "dismiss")


class EventIn(Struct, kw_only=True):
    id: Annotated[str, Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
    type: EventType
    decision_id: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    value: Annotated[float, Meta(ge=-MAX_VALUE, le=MAX_VALUE)] | None = None
    ts: Annotated[int, Meta(ge=0)] | None = None  # the client's clock in ms; over a day off, the server's is kept


class EventsRequest(Struct, kw_only=True):
    site: Annotated[str, Meta(min_length=1, max_length=64)]
    events: Annotated[list[EventIn], Meta(min_length=1, max_length=MAX_EVENTS)]
    visitor: VisitorId | None = None


class EventsAccepted(Struct):
    accepted: int  # stored now, durably
    duplicates: int  # already stored under the same id: nothing to do
    unmatched: int = 0  # named a decision that is unknown or belongs to another site: not stored, never learned from
    warnings: list[str] = []  # what the server changed or refused, by event position
