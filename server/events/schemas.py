"""The events wire contract (v1)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from server.decide.schemas import VisitorId

MAX_EVENTS = 100
MAX_VALUE = 1e9  # ratings are -1..5 and timings milliseconds: anything larger is not a measurement

EventType = Literal["impression", "click", "rating", "dismiss", "survey_response", "timing", "error",
                    "survey_shown", "survey_dismissed", "survey_answer", "track"]
NEEDS_DECISION = ("impression", "click", "rating", "dismiss")
SURVEY_EVENTS = ("survey_shown", "survey_dismissed", "survey_answer")
MAX_TEXT = 2000  # an open answer, in characters
MAX_MS = 600_000.0  # ten minutes: no page timing worth keeping is longer
Identifier = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")]
Millis = Annotated[float, Meta(ge=0, le=MAX_MS)]
# the page's language as the browser has it (document.documentElement.lang): a BCP 47 tag such as "en", "pt-BR"
Language = Annotated[str, Meta(max_length=35, pattern=r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$")]


class Tech(Struct, kw_only=True):
    """The page's technical context when an answer or rating was given, as far as the browser reports it."""

    ttfb_ms: Millis | None = None  # navigation time to first byte
    lcp_ms: Millis | None = None  # largest contentful paint
    inp_ms: Millis | None = None  # interaction to next paint, the worst so far
    decide_ms: Millis | None = None  # how long Attune's decide call took for this page
    js_errors: Annotated[int, Meta(ge=0, le=10_000)] | None = None  # JS errors seen on the page so far


class EventIn(Struct, kw_only=True):
    id: Annotated[str, Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
    type: EventType
    decision_id: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    value: Annotated[float, Meta(ge=-MAX_VALUE, le=MAX_VALUE)] | None = None
    ts: Annotated[int, Meta(ge=0)] | None = None  # the client's clock in ms; over a day off, the server's is kept
    survey: Identifier | None = None  # survey_shown, survey_dismissed, survey_answer
    question: Identifier | None = None  # survey_answer
    # a survey_answer carries exactly one of value (a number), choices (choice ids) or text
    choices: Annotated[list[Identifier], Meta(min_length=1, max_length=20)] | None = None
    text: Annotated[str, Meta(min_length=1, max_length=MAX_TEXT)] | None = None  # as written; shown escaped
    language: Language | None = None  # survey_answer: the page's language, which sentiment needs (None: unknown)
    name: Identifier | None = None  # a track event's name: attune.push(["track", "checkout_completed"])
    page: Annotated[str, Meta(max_length=512, pattern="^/")] | None = None  # location.pathname
    tech: Tech | None = None


class EventsRequest(Struct, kw_only=True):
    site: Annotated[str, Meta(min_length=1, max_length=64)]
    events: Annotated[list[EventIn], Meta(min_length=1, max_length=MAX_EVENTS)]
    visitor: VisitorId | None = None


class EventsAccepted(Struct):
    accepted: int  # stored now, durably
    duplicates: int  # already stored under the same id: nothing to do
    unmatched: int = 0  # named a decision that is unknown or belongs to another site: not stored, never learned from
    warnings: list[str] = []  # what the server changed or refused, by event position
