"""The counts themselves, in memory: decide reads them without a query, a writer job stores what changed."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import translate
from functools import lru_cache
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from server.storage.rows import EventRow

SESSION_GAP_MS = 30 * 60_000  # a page view after this long idle starts a new session
DAY_MS = 86_400_000
MAX_VISITORS_PER_SITE = 50_000  # about 30 MB a site at the cap (610 bytes a visitor); least recently seen go first
MAX_EVENT_NAMES = 20  # tracked event names counted per visitor: a page cannot grow one visitor without end
MAX_FIRST_PAGES = 20_000  # anonymous page views awaiting the id their visitor's widget makes next (all sites)


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(slots=True)
class Tally:
    first_seen: int
    last_seen: int  # any activity: what eviction and retention go by
    last_view: int = 0  # the last page view (0: none yet): what sessions go by
    sessions: int = 0
    views: dict[str, int] = field(default_factory=dict)  # page group -> page views
    events: dict[str, int] = field(default_factory=dict)  # tracked event name -> count


@dataclass(slots=True)
class _FirstPage:
    site: str
    page: object
    counted: bool = False


class VisitorCounters:
    """(site, visitor hash) -> counts, the least recently seen dropped past `max_visitors_per_site`.

    >>> counters = VisitorCounters(page_groups=lambda site: {"pricing": ["/pricing*"]}, clock_ms=lambda: 0)
    >>> counters.observe("pk", "h", page="/pricing", now=0)["pricing_views"]
    1
    >>> counters.observe("pk", "h", page="/pricing/teams?x=1", now=31 * 60_000)
    {'sessions': 2, 'days_since_first': 0, 'pricing_views': 2}
    >>> counters.forget(site="pk", visitor="h"), counters.facts("pk", "h")
    (1, {})
    """

    def __init__(self, *, page_groups: Callable[[str], Mapping[str, list[str]] | None],
                 max_visitors_per_site: int = MAX_VISITORS_PER_SITE, clock_ms: Callable[[], int] = wall_clock_ms) -> None:
        # site -> its [sites.counters] page_groups (None: the site keeps no counters), read live: the admin edits them
        self.page_groups = page_groups
        self.max_visitors_per_site = max_visitors_per_site
        self.clock_ms = clock_ms  # injectable: a test moves time past a session or a day
        self._sites: dict[str, OrderedDict[str, Tally]] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._evicted: dict[tuple[str, str], tuple] = {}  # dropped before their last change was stored
        # decision id -> [site, page] of a page view decided before the visitor had an id; its impression, sent
        # with the new id, counts it (once, whichever of the page's decisions it names)
        self._first_pages: OrderedDict[str, _FirstPage] = OrderedDict()
        self._lock = threading.Lock()
        # scaled mode: each tracked event counted, (site, visitor, name, at), for Redis (server/scaled)
        self.on_tracked: Callable[[str, str, str, int], None] | None = None

    def observe(self, site: str, visitor: str, *, page: object, now: int | None = None) -> dict[str, int]:
        """A page view (a decide call); the visitor's counters after it ({} where the site keeps none)."""
        groups = self.page_groups(site)
        if groups is None:
            return {}
        now = self.clock_ms() if now is None else now
        matched = matched_groups(groups, page)
        with self._lock:
            tally = self._touch(site, visitor, now)
            if not tally.last_view or now - tally.last_view > SESSION_GAP_MS:
                tally.sessions += 1
            tally.last_view = now
            for name in matched:
                tally.views[name] = tally.views.get(name, 0) + 1
            return _facts(tally, groups, now)

    def note_first_page(self, site: str, decision_ids: list[str], *, page: object) -> None:
        """An anonymous page view (a new visitor's first page: the widget makes their id after it)."""
        if not decision_ids or self.page_groups(site) is None:
            return
        view = _FirstPage(site, page)
        with self._lock:
            for decision_id in decision_ids:
                self._first_pages[decision_id] = view
            while len(self._first_pages) > MAX_FIRST_PAGES:
                self._first_pages.popitem(last=False)

    def claim_first_page(self, site: str, visitor: str, decision_ids: list[str], now: int | None = None) -> bool:
        """The visitor's impressions name an anonymous page view: count it as theirs (once). Whether one was."""
        with self._lock:
            views = [view for decision_id in decision_ids if (view := self._first_pages.pop(decision_id, None))]
            fresh = []
            for view in views:
                if view.site == site and not view.counted:
                    view.counted = True  # one page view, however many of the page's decisions are named
                    fresh.append(view)
        for view in fresh:
            self.observe(site, visitor, page=view.page, now=now)
        return bool(fresh)

    def count_events(self, rows: Iterable[EventRow]) -> int:
        """Count committed `track` events of visitors with an id (the writer's on_commit); how many counted."""
        counted = []
        with self._lock:
            for row in rows:
                name = getattr(row, "name", None)
                if row.type != "track" or not row.visitor or not name or self.page_groups(row.site) is None:
                    continue
                tally = self._touch(row.site, row.visitor, row.received_at)
                if name in tally.events or len(tally.events) < MAX_EVENT_NAMES:
                    tally.events[name] = tally.events.get(name, 0) + 1
                    counted.append(row)
        if self.on_tracked is not None:
            for row in counted:
                self.on_tracked(row.site, row.visitor, row.name, row.received_at)
        return len(counted)

    def facts(self, site: str, visitor: str, now: int | None = None) -> dict[str, int]:
        """The visitor's counters as rule facts (exact numbers); {} for a visitor never counted."""
        with self._lock:
            tally = self._sites.get(site, {}).get(visitor)
            groups = self.page_groups(site)
            if tally is None or groups is None:
                return {}
            return _facts(tally, groups, self.clock_ms() if now is None else now)

    def of(self, site: str, visitor: str) -> Tally | None:
        """A copy of the visitor's counts (for their export), None if never counted."""
        with self._lock:
            tally = self._sites.get(site, {}).get(visitor)
            return None if tally is None else replace(tally, views=dict(tally.views), events=dict(tally.events))

    def forget(self, *, site: str, visitor: str) -> int:
        """Drop a visitor's counters from memory (erasure, retention); 1 if there were any."""
        with self._lock:
            self._dirty.discard((site, visitor))
            self._evicted.pop((site, visitor), None)
            return 1 if self._sites.get(site, {}).pop(visitor, None) is not None else 0

    def expire(self, *, site: str, visitor: str) -> int:
        """Retention deleted the visitor's stored row: drop it here too, unless it changed since (seen again)."""
        with self._lock:
            if (site, visitor) in self._dirty:
                return 0
            return 1 if self._sites.get(site, {}).pop(visitor, None) is not None else 0

    def changed_rows(self) -> list[tuple]:
        """The rows of every visitor whose counts changed since the last call (table.COLUMNS order)."""
        with self._lock:
            rows = [_row(site, visitor, self._sites[site][visitor]) for site, visitor in self._dirty
                    if visitor in self._sites.get(site, {})]
            rows += self._evicted.values()
            self._dirty.clear()
            self._evicted.clear()
        return rows

    def unstored(self, rows: list[tuple]) -> None:
        """The rows `changed_rows` gave could not be stored: mark them changed again, for the next flush."""
        with self._lock:
            for row in rows:
                key = (row[0], row[1])
                if row[1] in self._sites.get(row[0], {}):
                    self._dirty.add(key)
                else:
                    self._evicted.setdefault(key, row)

    def restore(self, rows: Iterable[tuple]) -> int:
        """Load stored rows (table.load: oldest first); how many visitors are held."""
        with self._lock:
            for site, visitor, first_seen, last_seen, last_view, sessions, views, events in rows:
                self._sites.setdefault(site, OrderedDict())[visitor] = Tally(
                    first_seen, last_seen, last_view, sessions, orjson.loads(views), orjson.loads(events))
                self._evict(site)
            return sum(len(visitors) for visitors in self._sites.values())

    def put(self, site: str, visitor: str, tally: Tally, *, changed: bool) -> None:
        """Replace a visitor's counts with those kept elsewhere (scaled mode: Redis); `changed`: to be stored."""
        with self._lock:
            visitors = self._sites.setdefault(site, OrderedDict())
            visitors[visitor] = tally
            visitors.move_to_end(visitor)
            if changed:
                self._dirty.add((site, visitor))
            self._evict(site)

    def held(self, site: str) -> int:
        return len(self._sites.get(site, {}))

    def _touch(self, site: str, visitor: str, now: int) -> Tally:
        visitors = self._sites.setdefault(site, OrderedDict())
        tally = visitors.get(visitor)
        if tally is None:
            self._evicted.pop((site, visitor), None)  # dropped a moment ago: what was kept is replaced, not doubled
            tally = visitors[visitor] = Tally(first_seen=now, last_seen=now)
            self._evict(site)
        else:
            visitors.move_to_end(visitor)
            tally.last_seen = max(tally.last_seen, now)
        self._dirty.add((site, visitor))
        return tally

    def _evict(self, site: str) -> None:
        visitors = self._sites[site]
        while len(visitors) > self.max_visitors_per_site:
            visitor, tally = visitors.popitem(last=False)
            if (site, visitor) in self._dirty:
                self._dirty.discard((site, visitor))
                self._evicted[(site, visitor)] = _row(site, visitor, tally)


def matched_groups(groups: Mapping[str, list[str]], page: object) -> list[str]:
    """The page groups a page's path (query and fragment left out) falls in.

    >>> matched_groups({"pricing": ["/pricing*"], "docs": ["/docs/*"]}, "/pricing/teams?x=1")
    ['pricing']
    """
    if not isinstance(page, str):
        return []
    path = page.split("?", 1)[0].split("#", 1)[0]
    return [name for name, globs in groups.items() if _pattern(tuple(globs)).match(path)]


@lru_cache(maxsize=1024)
def _pattern(globs: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled pattern for a group's globs (fnmatch's, case-sensitive: paths are)."""
    return re.compile("|".join(f"(?:{translate(glob)})" for glob in globs))


def _facts(tally: Tally, groups: Mapping[str, list[str]], now: int) -> dict[str, int]:
    facts = {"sessions": tally.sessions, "days_since_first": max(0, now - tally.first_seen) // DAY_MS}
    facts.update({f"{name}_views": tally.views.get(name, 0) for name in groups})
    facts.update({f"{name}_count": count for name, count in tally.events.items()})
    return facts


def _row(site: str, visitor: str, tally: Tally) -> tuple:
    return (site, visitor, tally.first_seen, tally.last_seen, tally.last_view, tally.sessions,
            orjson.dumps(tally.views).decode(), orjson.dumps(tally.events).decode())
