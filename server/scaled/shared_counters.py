"""Behavioural counters shared through Redis: one hash per (site, visitor hash), counted by every edge.

A page view is counted before the rules run, as in embedded mode: the edge reads the visitor's hash in the round
trip that loads their sticky decisions (server/scaled/shared_visitor.py), decide counts this view on top of it
with embedded mode's own code (server/counters/tally.py), and the same view goes to Redis as a Lua script, so the
session rule (a view after 30 minutes idle starts a session) holds atomically however many edges count. The
decide answer waits for that script as it waits for its decisions' XADD: a view whose answer a visitor got is
counted in Redis before their next page is decided, at any edge. Two decides of one visitor at the same moment
each see the other uncounted; Redis counts both.

Tracked events are counted by the learner, once, when it commits them (server/scaled/learner_counters.py). Each
change also names the visitor in a set the learner reads to keep its own copy and its DuckDB table current.
While Redis is unreachable an edge counts on its own copy of what it last read, and does not send those views.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING

import redis.exceptions

from server import metrics
from server.counters.tally import SESSION_GAP_MS, Tally, VisitorCounters, matched_groups
from server.scaled.broadcast import REDIS_DOWN

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from server.scaled.shared_visitor import SharedVisitorState

DAY_S = 24 * 3600
CHANGED_KEY = "attune:counters:changed"  # members `site<US>visitor`: counted since the learner last read them
VIEW_PREFIX, EVENT_PREFIX = "v:", "e:"  # hash fields: page group views, tracked event counts

# KEYS: the visitor's hash, CHANGED_KEY. ARGV: now (ms), session gap (ms), lifetime (s), member, groups viewed...
COUNT_VIEW = """
local now = tonumber(ARGV[1])
redis.call('HSETNX', KEYS[1], 'first_seen', now)
if now > tonumber(redis.call('HGET', KEYS[1], 'last_seen') or '0') then redis.call('HSET', KEYS[1], 'last_seen', now) end
local last_view = tonumber(redis.call('HGET', KEYS[1], 'last_view') or '0')
if last_view == 0 or now - last_view > tonumber(ARGV[2]) then redis.call('HINCRBY', KEYS[1], 'sessions', 1) end
if now > last_view then redis.call('HSET', KEYS[1], 'last_view', now) end
for i = 5, #ARGV do redis.call('HINCRBY', KEYS[1], 'v:' .. ARGV[i], 1) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
return 1
"""
COUNT_VIEW_SHA = hashlib.sha1(COUNT_VIEW.encode()).hexdigest()


def counters_key(site: str, visitor: str) -> str:
    return f"attune:counters:{site}:{visitor}"


def member(site: str, visitor: str) -> str:
    return f"{site}\x1f{visitor}"


def lifetime_s(sites, site: str) -> int:
    """Counters live as long as retention keeps them: `behaviour_days` after the visitor was last seen."""
    configured = sites.sites.get(site)
    return (configured.privacy.retention.behaviour_days if configured else 90) * DAY_S


def tally_from(raw: dict[bytes, bytes]) -> Tally | None:
    """A visitor's hash as embedded mode's Tally; None for no hash (never counted, erased or expired)."""
    if not raw:
        return None
    views, events = {}, {}
    for field, value in raw.items():
        name = field.decode()
        if name.startswith(VIEW_PREFIX):
            views[name[2:]] = int(value)
        elif name.startswith(EVENT_PREFIX):
            events[name[2:]] = int(value)
    return Tally(first_seen=int(raw.get(b"first_seen", 0)), last_seen=int(raw.get(b"last_seen", 0)),
                 last_view=int(raw.get(b"last_view", 0)), sessions=int(raw.get(b"sessions", 0)),
                 views=views, events=events)


class EdgeCounters(VisitorCounters):
    """decide's counters at an edge: the counts Redis held when the request came in, this page view on top."""

    def __init__(self, state: SharedVisitorState, client: aioredis.Redis, **settings) -> None:
        super().__init__(**settings)
        self.state, self.client = state, client
        self._views: list[tuple] = []  # this loop turn's views: (site, visitor, now, groups)
        self._sent: asyncio.Future | None = None

    def observe(self, site: str, visitor: str, *, page: object, now: int | None = None) -> dict[str, int]:
        groups = self.page_groups(site)
        loaded = self.state.loaded.get((site, visitor))
        if groups is not None and loaded is not None and loaded.counters_read:
            now = self.clock_ms() if now is None else now
            if loaded.tally is None:
                self.forget(site=site, visitor=visitor)  # none in Redis (new, erased, expired): from zero
            else:
                self.put(site, visitor, loaded.tally, changed=False)
            self._send(site, visitor, now, matched_groups(groups, page))
        return super().observe(site, visitor, page=page, now=now)

    def _send(self, site: str, visitor: str, now: int, groups: list[str]) -> None:
        if not self.state.reachable():
            return
        if not self._views:
            loop = asyncio.get_running_loop()
            self._sent = loop.create_future()
            loop.create_task(self._flush())
        self._views.append((site, visitor, now, groups))

    async def sent(self) -> None:
        """Awaited before a decide answers: this loop turn's views are counted in Redis (or Redis failed)."""
        if self._sent is not None and not self._sent.done():
            await asyncio.shield(self._sent)

    async def _flush(self) -> None:
        views, self._views, sent = self._views, [], self._sent
        try:
            await self._count(views)
        except redis.exceptions.NoScriptError:  # a Redis restarted without its script cache
            try:
                await self.client.script_load(COUNT_VIEW)
                await self._count(views)
            except (*REDIS_DOWN, redis.exceptions.ResponseError):
                self.state.redis_errors += 1
                metrics.REDIS_ERRORS.labels("counters").inc()
        except (*REDIS_DOWN, redis.exceptions.ResponseError):
            self.state.redis_errors += 1  # these views stay counted in this edge's memory only
            metrics.REDIS_ERRORS.labels("counters").inc()
        finally:
            sent.set_result(None)

    async def _count(self, views: list[tuple]) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            for site, visitor, now, groups in views:
                pipe.evalsha(COUNT_VIEW_SHA, 2, counters_key(site, visitor), CHANGED_KEY, now, SESSION_GAP_MS,
                             lifetime_s(self.state.sites, site), member(site, visitor), *groups)
            await pipe.execute()
