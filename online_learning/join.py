"""The reward join: turn logged decisions and the events that follow them into learning examples.

A decision becomes an example only after its impression, exactly once, when its reward
window closes or a rating closes it early. Time is the log's own clock (milliseconds
the server received each row), so a replay of the log closes the same windows.

A busy site holds every decision of the last half hour here (1,000/s makes 1.8 million),
so pending decisions are kept as plain tuples of strings and numbers: CPython stops
tracking such tuples in its garbage collector, and full collections (which pause every
thread) stay short however many decisions wait.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from online_learning.reward import Outcome

DECISION_TTL_MS = 30 * 60 * 1000  # a decision never seen within this long is dropped unlearned
MAX_UNSEEN_PER_SITE = 250_000  # decisions one site may hold waiting for their impression; the oldest go first
_FEATURE_POOL_LIMIT = 50_000  # distinct feature tuples shared between pending decisions before the pool restarts


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

    An event only ever counts for a decision of its own site, and a decision keeps its first rating:

    >>> join.add_decision(PendingDecision("d2", "pk", "hero", "v1", ("bias",), decided_at=0, window_ms=1000))
    >>> join.add_event("d2", "click", None, at=10, site="pk_other"), join.foreign_events
    ([], 1)
    >>> join.add_event("d2", "rating", -1, at=20); join.add_event("d2", "rating", 1, at=30)
    []
    []
    >>> join.get("d2").outcome
    Outcome(clicked=False, dismissed=False, thumbs=-1, stars=None)
    """

    def __init__(self, *, decision_ttl_ms: int = DECISION_TTL_MS,
                 max_unseen_per_site: int = MAX_UNSEEN_PER_SITE) -> None:
        self.decision_ttl_ms = decision_ttl_ms
        self.max_unseen_per_site = max_unseen_per_site
        self._pending: dict[str, tuple] = {}  # decision id -> _to_row(decision): immutable, so GC-untracked
        self._window_deadlines: list[tuple[int, str]] = []
        # per site, decision ids in log order, which is (nearly) decided_at order: the TTL and the bound drop from the front
        self._arrivals: dict[str, deque[str]] = {}
        self._unseen: dict[str, int] = {}  # per site, pending decisions still waiting for their impression
        self._feature_pool: dict[tuple[str, ...], tuple[str, ...]] = {}  # equal contexts share one tuple
        self.unmatched_events = 0  # events for a decision that is not pending (unknown, learned or dropped)
        self.foreign_events = 0  # events that named another site's decision: never learned from
        self.dropped_unseen = 0  # unseen decisions dropped because their site held too many

    def __len__(self) -> int:
        return len(self._pending)

    def get(self, decision_id: str) -> PendingDecision | None:
        row = self._pending.get(decision_id)
        return None if row is None else _from_row(decision_id, row)

    def site_of(self, decision_id: str) -> str | None:
        """The site of a pending decision (safe to call from another thread: one dict lookup)."""
        row = self._pending.get(decision_id)
        return None if row is None else row[0]

    def add_decision(self, decision: PendingDecision) -> None:
        if decision.decision_id in self._pending:
            return  # already pending: a decision id is logged once
        pool = self._feature_pool
        if len(pool) >= _FEATURE_POOL_LIMIT:
            pool.clear()  # contexts seen lately fill it again; decisions already pending keep their tuples
        features = tuple(decision.features)
        decision.features = pool.setdefault(features, features)
        self._pending[decision.decision_id] = _to_row(decision)
        self._arrivals.setdefault(decision.site, deque()).append(decision.decision_id)
        if decision.impression_at is not None:
            heapq.heappush(self._window_deadlines, (decision.impression_at + decision.window_ms, decision.decision_id))
            return
        unseen = self._unseen.get(decision.site, 0) + 1
        self._unseen[decision.site] = unseen
        if unseen > self.max_unseen_per_site:
            self._drop_oldest_unseen(decision.site)

    def _drop_oldest_unseen(self, site: str) -> None:
        arrivals = self._arrivals[site]
        while arrivals:
            decision_id = arrivals.popleft()  # a seen decision leaves the queue too: only the unseen need it
            row = self._pending.get(decision_id)
            if row is not None and row[_IMPRESSION] is None:
                del self._pending[decision_id]
                self._unseen[site] -= 1
                self.dropped_unseen += 1
                return

    def add_event(
        self, decision_id: str, kind: str, value: float | None, *, at: int, site: str | None = None,
    ) -> list[PendingDecision]:
        """Record one event; returns the decision if this event closed its window (a rating after the impression).

        `site` is the site the event was sent for: an event naming another site's decision is ignored.
        """
        row = self._pending.get(decision_id)
        if row is None:
            self.unmatched_events += 1
            return []
        if site is not None and row[0] != site:
            self.foreign_events += 1
            return []
        impression_at, clicked, dismissed, thumbs, stars = row[_IMPRESSION:]
        if kind == "impression":
            if impression_at is None:
                impression_at = at
                heapq.heappush(self._window_deadlines, (at + row[_WINDOW], decision_id))
                self._unseen[row[0]] -= 1
        elif kind == "click":
            clicked = True
        elif kind == "dismiss":
            dismissed = True
        elif kind == "rating" and value is not None:
            if thumbs is not None or stars is not None:
                return []  # only a decision's first rating counts: a page cannot vote twice
            if row[_FEEDBACK] == "stars":
                stars = int(value)
            else:
                thumbs = 1 if value > 0 else -1
        self._pending[decision_id] = (*row[:_IMPRESSION], impression_at, clicked, dismissed, thumbs, stars)
        if kind == "rating" and impression_at is not None:
            return [self._close(decision_id)]  # an explicit rating is the visitor's verdict: learn now
        if kind == "impression" and (thumbs is not None or stars is not None):
            return [self._close(decision_id)]
        return []

    def advance(self, now: int) -> list[PendingDecision]:
        """Close every window that has ended by `now` and drop decisions never seen in time."""
        closed = []
        while self._window_deadlines and self._window_deadlines[0][0] <= now:
            _, decision_id = heapq.heappop(self._window_deadlines)
            if decision_id in self._pending:
                closed.append(self._close(decision_id))
        expired_before = now - self.decision_ttl_ms
        for site, arrivals in self._arrivals.items():
            while arrivals:
                row = self._pending.get(arrivals[0])
                if row is not None and row[_DECIDED_AT] > expired_before:
                    break  # the oldest pending decision is still in time, so are the ones after it
                decision_id = arrivals.popleft()
                if row is not None and row[_IMPRESSION] is None:
                    del self._pending[decision_id]
                    self._unseen[site] -= 1
        return closed

    def unseen(self) -> int:
        """Pending decisions still waiting for their impression, over all sites."""
        return sum(self._unseen.values())

    def _close(self, decision_id: str) -> PendingDecision:
        return _from_row(decision_id, self._pending.pop(decision_id))

    def state(self) -> dict[str, list]:
        """Pending decisions as two parallel lists: copies of the dict's own keys and rows, no new objects.

        >>> join = RewardJoin()
        >>> join.add_decision(PendingDecision("d1", "pk", "hero", "v2", ("bias",), decided_at=0, window_ms=10))
        >>> join.state()
        {'ids': ['d1'], 'rows': [('pk', 'hero', 'v2', ('bias',), 0, 10, None, None, False, False, None, None)]}
        """
        return {"ids": list(self._pending), "rows": list(self._pending.values())}

    def load_state(self, state: dict[str, list] | list[list[Any]]) -> None:
        if isinstance(state, dict):
            for decision_id, row in zip(state["ids"], state["rows"], strict=True):
                self.add_decision(_from_row(decision_id, tuple(row)))
            return
        for decision_id, *row, outcome in state:  # snapshots written before this layout: [id, site, ..., [outcome]]
            self.add_decision(_from_row(decision_id, (*row, *outcome)))


# positions in a pending row: (site, block, variant, features, decided_at, window_ms, feedback,
#                              impression_at, clicked, dismissed, thumbs, stars)
_DECIDED_AT, _WINDOW, _FEEDBACK, _IMPRESSION = 4, 5, 6, 7


def _to_row(d: PendingDecision) -> tuple:
    o = d.outcome
    return (d.site, d.block, d.variant, tuple(d.features), d.decided_at, d.window_ms, d.feedback, d.impression_at,
            o.clicked, o.dismissed, o.thumbs, o.stars)


def _from_row(decision_id: str, row: tuple) -> PendingDecision:
    site, block, variant, features, decided_at, window_ms, feedback, impression_at, *outcome = row
    return PendingDecision(decision_id, site, block, variant, tuple(features), decided_at, window_ms, feedback,
                           impression_at, Outcome(*outcome))
