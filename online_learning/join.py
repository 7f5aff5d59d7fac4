"""The reward join: turn logged decisions and the events that follow them into learning examples.

A decision becomes an example only after its impression, exactly once, when its reward
window closes or a rating closes it early. Time is the log's own clock (milliseconds
the server received each row), so a replay of the log closes the same windows.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from online_learning.reward import Outcome

DECISION_TTL_MS = 30 * 60 * 1000  # a decision never seen within this long is dropped unlearned


@dataclass(slots=True)
class PendingDecision:
    decision_id: str
    site: str
    block: str
    variant: str
    features: tuple[str, ...]
    decided_at: int
    window_ms: int
    feedback: str | None = None  # "thumbs", "stars" or None: how to read a rating's value
    impression_at: int | None = None
    outcome: Outcome = field(default_factory=Outcome)


class RewardJoin:
    """Join decisions with impressions, clicks, ratings and dismissals inside each reward window.

    >>> join = RewardJoin()
    >>> join.add_decision(PendingDecision("d1", "pk", "hero", "v2", ("bias",), decided_at=0, window_ms=1000))
    >>> join.add_event("d1", "click", None, at=50)        # a click before the impression still counts
    []
    >>> join.add_event("d1", "impression", None, at=100)
    []
    >>> join.advance(900)                                   # window still open
    []
    >>> [(d.decision_id, d.outcome.clicked) for d in join.advance(1100)]
    [('d1', True)]
    >>> join.add_event("d1", "impression", None, at=1200)   # learned once; later events are ignored
    []
    """

    def __init__(self, *, decision_ttl_ms: int = DECISION_TTL_MS) -> None:
        self.decision_ttl_ms = decision_ttl_ms
        self._pending: dict[str, PendingDecision] = {}
        self._window_deadlines: list[tuple[int, str]] = []
        self._ttl_deadlines: list[tuple[int, str]] = []
        self.unmatched_events = 0

    def __len__(self) -> int:
        return len(self._pending)

    def get(self, decision_id: str) -> PendingDecision | None:
        return self._pending.get(decision_id)

    def add_decision(self, decision: PendingDecision) -> None:
        self._pending[decision.decision_id] = decision
        heapq.heappush(self._ttl_deadlines, (decision.decided_at + self.decision_ttl_ms, decision.decision_id))
        if decision.impression_at is not None:
            heapq.heappush(self._window_deadlines, (decision.impression_at + decision.window_ms, decision.decision_id))

    def add_event(self, decision_id: str, kind: str, value: float | None, *, at: int) -> list[PendingDecision]:
        """Record one event; returns the decision if this event closed its window (a rating after the impression)."""
        decision = self._pending.get(decision_id)
        if decision is None:
            self.unmatched_events += 1
            return []
        outcome = decision.outcome
        if kind == "impression":
            if decision.impression_at is None:
                decision.impression_at = at
                heapq.heappush(self._window_deadlines, (at + decision.window_ms, decision_id))
        elif kind == "click":
            outcome.clicked = True
        elif kind == "dismiss":
            outcome.dismissed = True
        elif kind == "rating" and value is not None:
            if decision.feedback == "stars":
                outcome.stars = int(value)
            else:
                outcome.thumbs = 1 if value > 0 else -1
        if kind == "rating" and decision.impression_at is not None:
            return [self._close(decision_id)]  # an explicit rating is the visitor's verdict: learn now
        if kind == "impression" and (outcome.thumbs is not None or outcome.stars is not None):
            return [self._close(decision_id)]
        return []

    def advance(self, now: int) -> list[PendingDecision]:
        """Close every window that has ended by `now` and drop decisions never seen in time."""
        closed = []
        while self._window_deadlines and self._window_deadlines[0][0] <= now:
            _, decision_id = heapq.heappop(self._window_deadlines)
            if decision_id in self._pending:
                closed.append(self._close(decision_id))
        while self._ttl_deadlines and self._ttl_deadlines[0][0] <= now:
            _, decision_id = heapq.heappop(self._ttl_deadlines)
            decision = self._pending.get(decision_id)
            if decision is not None and decision.impression_at is None:
                del self._pending[decision_id]
        return closed

    def _close(self, decision_id: str) -> PendingDecision:
        return self._pending.pop(decision_id)

    def state(self) -> list[list[Any]]:
        return [
            [d.decision_id, d.site, d.block, d.variant, list(d.features), d.decided_at, d.window_ms, d.feedback,
             d.impression_at, [d.outcome.clicked, d.outcome.dismissed, d.outcome.thumbs, d.outcome.stars]]
            for d in self._pending.values()
        ]

    def load_state(self, rows: list[list[Any]]) -> None:
        for row in rows:
            *head, features, decided_at, window_ms, feedback, impression_at, (clicked, dismissed, thumbs, stars) = row
            self.add_decision(PendingDecision(
                *head, tuple(features), decided_at, window_ms, feedback, impression_at,
                Outcome(clicked=clicked, dismissed=dismissed, thumbs=thumbs, stars=stars),
            ))
