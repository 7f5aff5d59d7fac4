"""The rows of the event log, as the decide and events paths hand them to the writer."""

from __future__ import annotations

import os

import orjson
from msgspec import Struct

from online_learning.features import context_features


class DecisionRow(Struct, kw_only=True):
    decision_id: str
    site: str
    block: str
    variant: str
    candidates: list[str]
    propensity: float
    policy: str
    policy_version: int  # how many examples the policy had learned when it decided
    context: str  # JSON of the facts the features came from ({} when personalization was off)
    explored: bool
    holdout: bool
    reason: str
    summary: str | None = None  # what "Why am I seeing this?" told the visitor (None in logs from before it was kept)
    visitor: str | None  # keyed hash of the visitor id, never the id itself
    window_ms: int
    feedback: str | None
    decided_at: int
    seq: int = 0  # log position, given by the writer
    features: tuple[str, ...] | None = None  # in memory only (keep it last: the log stores the fields before it)

    def learned_features(self) -> tuple[str, ...]:
        """The features the policy used: kept from the decision, or derived again from the logged context."""
        if self.features is None:
            self.features = context_features(orjson.loads(self.context))
        return self.features


class EventRow(Struct, kw_only=True):
    id: str
    site: str
    visitor: str | None
    type: str
    decision_id: str | None
    value: float | None
    ts: int | None  # the client's clock, kept for analysis; the join uses received_at
    received_at: int
    seq: int = 0
    # surveys and tracked events (None on other types, and in logs from before they were kept)
    survey: str | None = None
    question: str | None = None
    choices: str | None = None  # JSON list of choice ids
    text: str | None = None  # an open answer, exactly as the visitor wrote it
    name: str | None = None  # a track event's name
    page: str | None = None
    ttfb_ms: float | None = None
    lcp_ms: float | None = None
    inp_ms: float | None = None
    decide_ms: float | None = None
    js_errors: int | None = None
    language: str | None = None  # a survey answer's page language (BCP 47), for sentiment


def new_decision_id(decided_at: int) -> str:
    """32 hex digits: the decision's millisecond first, so the log finds it by time, then 80 random bits."""
    return f"{decided_at:012x}{os.urandom(10).hex()}"


def decided_at_of(decision_id: str) -> int | None:
    """The time a decision id carries, or None when it cannot be one of ours (ids from before the time
    was in them included: such a decision is known only while the learner holds it).

    >>> decided_at_of(new_decision_id(1_764_000_000_000))
    1764000000000
    >>> decided_at_of("nope") is None, decided_at_of("ff" * 16) is None
    (True, True)
    """
    if len(decision_id) != 32:
        return None
    try:
        decided_at = int(decision_id[:12], 16)
    except ValueError:
        return None
    return decided_at if EARLIEST_DECISION_MS <= decided_at <= LATEST_DECISION_MS else None


EARLIEST_DECISION_MS = 1_704_067_200_000  # 2024-01-01: no decision id with a time is older
LATEST_DECISION_MS = 32_503_680_000_000  # 3000-01-01

DECISION_COLUMNS = tuple(f for f in DecisionRow.__struct_fields__ if f != "features")
# what replay and evaluation read: the summary is for people, never for learning (and older files lack it)
REPLAY_COLUMNS = tuple(c for c in DECISION_COLUMNS if c != "summary")
EVENT_COLUMNS = tuple(EventRow.__struct_fields__)
