"""Sticky variants: a known visitor's decision for a block, shown again for a while instead of deciding anew.

A re-shown decision is the original one (same id, variant, propensity and explanation) and logs no new
row, so the reward join learns it once and off-policy evaluation sees it once, with its true propensity.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from server.config.schema import Block
    from server.decide.schemas import Decision

MINUTE_MS = 60_000
DEFAULT_MINUTES = {"session": 30, "visitor": 30 * 24 * 60}  # session: of inactivity; visitor: since the decision
MAX_VISITORS = 50_000  # visitors remembered (about 0.6 kB per block each); the least recently seen go first


@dataclass(slots=True, frozen=True)
class Shown:
    """What a visitor was shown for one block, and until when it is shown again."""

    decision: Decision
    block: Block  # the block's configuration when decided: any change of it ends stickiness
    holdout: bool  # the visitor's side of the holdout then: a change of the site's share ends it too
    interests: tuple[str, ...]  # what the visitor chose in the preference center then: a new choice ends it
    expires_at: int  # ms


class StickyStore(Protocol):
    def recall(self, *, site: str, visitor: str, block: str, now: int) -> Shown | None: ...

    def remember(self, *, site: str, visitor: str, block: str, shown: Shown) -> None: ...

    def forget(self, *, site: str, visitor: str) -> int: ...


def sticky_ms(block: Block) -> int:
    """How long a decision of this block stays; 0 when the block is not sticky."""
    if block.sticky == "none":
        return 0
    return (block.sticky_minutes or DEFAULT_MINUTES[block.sticky]) * MINUTE_MS


class MemoryStickyStore:
    """Embedded mode: a bounded LRU of visitors in process memory; it starts empty after a restart.

    >>> store = MemoryStickyStore(max_visitors=1)
    >>> def until(decision, at): return Shown(decision, None, holdout=False, interests=(), expires_at=at)
    >>> store.remember(site="pk", visitor="h1", block="hero", shown=until("d1", 10))
    >>> store.recall(site="pk", visitor="h1", block="hero", now=5).decision
    'd1'
    >>> store.recall(site="pk", visitor="h1", block="hero", now=10) is None  # expired
    True
    >>> store.remember(site="pk", visitor="h1", block="hero", shown=until("d2", 20))
    >>> store.remember(site="pk", visitor="h2", block="hero", shown=until("d3", 20))
    >>> store.recall(site="pk", visitor="h1", block="hero", now=5) is None  # pushed out by h2
    True
    >>> store.forget(site="pk", visitor="h2")
    1
    """

    def __init__(self, *, max_visitors: int = MAX_VISITORS) -> None:
        self.max_visitors = max_visitors
        self._by_visitor: OrderedDict[tuple[str, str], dict[str, Shown]] = OrderedDict()  # oldest first
        self._lock = threading.Lock()  # decide runs on the event loop, erasure may not

    def __len__(self) -> int:
        return len(self._by_visitor)

    def recall(self, *, site: str, visitor: str, block: str, now: int) -> Shown | None:
        with self._lock:
            blocks = self._by_visitor.get((site, visitor))
            if blocks is None:
                return None
            shown = blocks.get(block)
            if shown is None:
                return None
            if shown.expires_at <= now:
                del blocks[block]
                if not blocks:
                    del self._by_visitor[(site, visitor)]
                return None
            self._by_visitor.move_to_end((site, visitor))
            return shown

    def remember(self, *, site: str, visitor: str, block: str, shown: Shown) -> None:
        with self._lock:
            key = (site, visitor)
            blocks = self._by_visitor.get(key)
            if blocks is None:
                blocks = self._by_visitor[key] = {}
            else:
                self._by_visitor.move_to_end(key)
            blocks[block] = shown
            while len(self._by_visitor) > self.max_visitors:
                self._by_visitor.popitem(last=False)

    def forget(self, *, site: str, visitor: str) -> int:
        """Forget what this visitor was shown (erasure); how many blocks were sticky."""
        with self._lock:
            return len(self._by_visitor.pop((site, visitor), {}))


ADOPT_WITHIN_MS = 10 * MINUTE_MS  # a first page's decision is claimed by its first impression, within minutes
MAX_UNCLAIMED = 20_000  # anonymous decisions remembered for that; the oldest go first


@dataclass(slots=True, frozen=True)
class Unclaimed:
    """A decision made before the visitor had an id (a new visitor's first page), until an impression claims it."""

    site: str
    decision: Decision
    block: Block
    holdout: bool
    decided_at: int


class FirstPages:
    """Anonymous decisions of sticky blocks, so that the visitor whose first impression names one keeps it.

    A new visitor's first page is decided before their id exists (a GPC header may still come back in the
    answer); the widget makes the id after the answer and sends the page's impressions with it.

    >>> pages = FirstPages(max_unclaimed=1)
    >>> pages.note(Unclaimed("pk", "d1", None, False, 0), decision_id="id1")
    >>> pages.claim("id1", site="pk", now=1).decision, pages.claim("id1", site="pk", now=1)
    ('d1', None)
    """

    def __init__(self, *, max_unclaimed: int = MAX_UNCLAIMED) -> None:
        self.max_unclaimed = max_unclaimed
        self._by_id: OrderedDict[str, Unclaimed] = OrderedDict()
        self._lock = threading.Lock()

    def note(self, unclaimed: Unclaimed, *, decision_id: str) -> None:
        with self._lock:
            self._by_id[decision_id] = unclaimed
            while len(self._by_id) > self.max_unclaimed:
                self._by_id.popitem(last=False)

    def claim(self, decision_id: str, *, site: str, now: int) -> Unclaimed | None:
        """The decision, once: only for its own site and within ADOPT_WITHIN_MS of being made."""
        with self._lock:
            found = self._by_id.get(decision_id)
            if found is None or found.site != site:
                return None
            del self._by_id[decision_id]
        return found if now - found.decided_at <= ADOPT_WITHIN_MS else None
