"""The learner's side of shared counters: tracked events into Redis, and Redis's counts into its own copy.

Redis holds the counts every edge adds to (server/scaled/shared_counters.py). The learner keeps its memory
(server/counters/tally.py) current from it: each counted view or event names the visitor in CHANGED_KEY, and every
PULL_S the learner takes those names (SPOP: each taken once) and reads their hashes in one pipeline. Survey
eligibility, the visitor's export and retention then read that copy as in embedded mode, at most about PULL_S
behind, and the existing CounterFlush stores it in `visitor_counters` within seconds.

Why a copy rather than a Redis read per request: eligibility and export are synchronous code that must answer
while Redis is away, and the table is what a Redis that lost its data is refilled from (at start, where a
visitor's hash is missing) and what retention deletes by. Tracked events are counted here, once: the writer
hands each committed event to `on_commit` once (a redelivered duplicate is not inserted again).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from server.counters import table
from server.counters.tally import MAX_EVENT_NAMES, MAX_VISITORS_PER_SITE, VisitorCounters
from server.scaled.broadcast import REDIS_DOWN
from server.scaled.shared_counters import CHANGED_KEY, counters_key, lifetime_s, member, tally_from

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from server.scaled.shared_learner import RedisWrites
    from server.sites import SiteRegistry
    from server.storage.event_log import EventLog

log = logging.getLogger("attune.scaled")
PULL_S = 0.2  # how far the learner's copy (survey eligibility, export) may trail the edges' counting
BATCH = 1_000  # visitors read per pipeline
ERASED_KEPT_MS = 600_000  # how long an erasure guards against a read of Redis made just before its delete

# KEYS: the visitor's hash, CHANGED_KEY. ARGV: received at (ms), lifetime (s), member, event name, most names kept
COUNT_TRACKED = """
local at = tonumber(ARGV[1])
local field = 'e:' .. ARGV[4]
if redis.call('HEXISTS', KEYS[1], field) == 0 then
  local names = 0
  for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(name, 1, 2) == 'e:' then names = names + 1 end
  end
  if names >= tonumber(ARGV[5]) then return 0 end
end
redis.call('HSETNX', KEYS[1], 'first_seen', at)
if at > tonumber(redis.call('HGET', KEYS[1], 'last_seen') or '0') then redis.call('HSET', KEYS[1], 'last_seen', at) end
redis.call('HINCRBY', KEYS[1], field, 1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return 1
"""
# KEYS: the visitor's hash. ARGV: lifetime left (s), first_seen, last_seen, last_view, sessions, field, value, ...
RESTORE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'first_seen', ARGV[2], 'last_seen', ARGV[3], 'last_view', ARGV[4], 'sessions', ARGV[5])
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class CounterMirror:
    def __init__(self, counters: VisitorCounters, client: aioredis.Redis, writes: RedisWrites,
                 sites: SiteRegistry) -> None:
        self.counters, self.client, self.writes, self.sites = counters, client, writes, sites
        self._erased: dict[tuple[str, str], int] = {}  # (site, visitor) -> when erased (ms)

    def install(self) -> None:
        self.counters.on_tracked = self.tracked

    def uninstall(self) -> None:
        self.counters.on_tracked = None

    def tracked(self, site: str, visitor: str, name: str, at: int) -> None:
        """A committed `track` event (the writer's thread), counted in Redis for the edges' rules."""
        self.writes.send(("eval", COUNT_TRACKED, 2, counters_key(site, visitor), CHANGED_KEY, at,
                          lifetime_s(self.sites, site), member(site, visitor), name, MAX_EVENT_NAMES))

    def erasing(self, local):
        """The privacy service's `erase_counters`: the learner's copy and table, and the visitor's hash in Redis."""

        def erase(cursor, *, site: str, visitor: str) -> int:
            self._erased[(site, visitor)] = _now_ms()
            self.writes.send(("delete", counters_key(site, visitor)), ("srem", CHANGED_KEY, member(site, visitor)))
            return local(cursor, site=site, visitor=visitor)

        return erase

    async def run(self) -> None:
        while True:
            await asyncio.sleep(PULL_S)
            try:
                await self.pull()
            except REDIS_DOWN:
                await asyncio.sleep(0.5)  # the names stay in the set: read once Redis answers
            except Exception:  # one bad hash must not stop the copy for every visitor
                log.exception("reading counters from Redis failed; retrying")
                await asyncio.sleep(0.5)
            cutoff = _now_ms() - ERASED_KEPT_MS
            self._erased = {key: at for key, at in self._erased.items() if at > cutoff}

    async def pull(self) -> int:
        """The counts of every visitor counted since the last pull, into the learner's copy; how many visitors."""
        pulled = 0
        while members := await self.client.spop(CHANGED_KEY, BATCH):
            visitors = [m.decode().split("\x1f", 1) for m in members]
            async with self.client.pipeline(transaction=False) as pipe:
                for site, visitor in visitors:
                    pipe.hgetall(counters_key(site, visitor))
                hashes = await pipe.execute()  # lost with Redis: the visitor's next count names them again
            for (site, visitor), raw in zip(visitors, hashes):
                tally = tally_from(raw)
                erased = self._erased.get((site, visitor))
                if tally is None or (erased is not None and tally.first_seen <= erased):
                    continue  # erased (or read just before the erasure's delete reached Redis), or expired
                self.counters.put(site, visitor, tally, changed=True)
            pulled += len(members)
            if len(members) < BATCH:
                break
        return pulled

    async def restore_missing(self, event_log: EventLog) -> int:
        """At start: each stored visitor whose hash Redis lacks (a Redis that lost its data) written back."""

        def stored() -> list[tuple]:
            with event_log.cursor() as cursor:
                return table.load(cursor, per_site=MAX_VISITORS_PER_SITE)

        rows, now, restored = await asyncio.to_thread(stored), _now_ms(), 0
        for start in range(0, len(rows), BATCH):
            while True:
                try:
                    restored += await self._restore(rows[start:start + BATCH], now)
                    break
                except REDIS_DOWN:
                    await asyncio.sleep(0.5)
        if restored:
            log.info("restored %d visitors' counters into Redis from the event log", restored)
        return restored

    async def _restore(self, rows: list[tuple], now: int) -> int:
        import orjson

        sha = await self.client.script_load(RESTORE)
        async with self.client.pipeline(transaction=False) as pipe:
            for site, visitor, first_seen, last_seen, last_view, sessions, views, events in rows:
                left_s = lifetime_s(self.sites, site) - (now - last_seen) // 1000
                if left_s <= 0:
                    continue
                fields = [*(x for name, count in orjson.loads(views).items() for x in (f"v:{name}", count)),
                          *(x for name, count in orjson.loads(events).items() for x in (f"e:{name}", count))]
                pipe.evalsha(sha, 1, counters_key(site, visitor), left_s, first_seen, last_seen, last_view,
                          sessions, *fields)
            return sum(await pipe.execute())
