"""The learner's side of shared visitor state: what it learns about a visitor, written to Redis for the edges.

Rated-down variants (the learner finds them as ratings arrive, and a visitor's undo or erasure removes them)
go into a set per visitor hash that lives `feedback_days` after the last change, as long as the rating that
made them. An erasure also deletes the visitor's sticky decisions at every edge. Writes come from any thread
(the learner's, a visitor-rights request's), are queued in order, and sent by one task; while Redis is
unreachable they wait in the queue (the learner's memory stays the truth), and at start every suppression the
learner restored from the log is written again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

import redis.asyncio as aioredis
import redis.exceptions

from server.feedback.suppression import MemorySuppressionStore
from server.scaled.broadcast import REDIS_DOWN
from server.scaled.shared_visitor import HIDDEN_SEPARATOR, hidden_key, sticky_key
from server.sites import SiteRegistry

log = logging.getLogger("attune.scaled")
DAY_S = 24 * 3600
MAX_QUEUED = 1_000_000  # writes kept while Redis is away; past it the oldest go (restored at the next start)


class RedisWrites:
    """Redis commands from any thread, sent in order by `run` in the event loop, in one pipeline per batch."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        self._queue: list[tuple] = []
        self._lock = threading.Lock()
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def send(self, *commands: tuple) -> None:
        with self._lock:
            self._queue += commands
            del self._queue[:-MAX_QUEUED]
        self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            with self._lock:
                batch, self._queue = self._queue[:10_000], self._queue[10_000:]
            if self._queue:
                self._wake.set()
            try:
                async with self.client.pipeline(transaction=False) as pipe:
                    for name, *args in batch:
                        getattr(pipe, name)(*args)
                    results = await pipe.execute(raise_on_error=False)
                refused = [r for r in results if isinstance(r, redis.exceptions.ResponseError)]
                if refused:  # e.g. a full Redis (noeviction): the rest of the batch went through
                    log.error("Redis refused %d of %d visitor-state writes: %s", len(refused), len(batch), refused[0])
            except REDIS_DOWN:
                with self._lock:
                    self._queue[:0] = batch  # sent again, in order, once Redis answers
                self._wake.set()
                await asyncio.sleep(0.5)


class MirroredSuppression:
    """The learner's SuppressionStore in scaled mode: its memory, mirrored into Redis."""

    def __init__(self, memory: MemorySuppressionStore, writes: RedisWrites, sites: SiteRegistry) -> None:
        self.memory, self.writes, self.sites = memory, writes, sites

    def _lifetime_s(self, site: str) -> int:
        configured = self.sites.sites.get(site)
        return (configured.privacy.retention.feedback_days if configured else 730) * DAY_S

    def add(self, *, site: str, visitor: str, block: str, variant: str) -> None:
        self.memory.add(site=site, visitor=visitor, block=block, variant=variant)
        key = hidden_key(site, visitor)
        self.writes.send(("sadd", key, f"{block}{HIDDEN_SEPARATOR}{variant}"), ("expire", key, self._lifetime_s(site)))

    def suppressed(self, *, site: str, visitor: str, block: str) -> frozenset[str]:
        return self.memory.suppressed(site=site, visitor=visitor, block=block)

    def remove(self, *, site: str, visitor: str, block: str, variant: str) -> bool:
        self.writes.send(("srem", hidden_key(site, visitor), f"{block}{HIDDEN_SEPARATOR}{variant}"))
        return self.memory.remove(site=site, visitor=visitor, block=block, variant=variant)

    def of_visitor(self, *, site: str, visitor: str) -> dict[str, frozenset[str]]:
        return self.memory.of_visitor(site=site, visitor=visitor)

    def forget(self, *, site: str, visitor: str) -> int:
        self.writes.send(("delete", hidden_key(site, visitor)))
        return self.memory.forget(site=site, visitor=visitor)

    def copy_all(self) -> int:
        """Every suppression the learner holds, into Redis (at start: Redis may be new, or have lost some)."""
        everything = self.memory.everything()
        for site, visitor, blocks in everything:
            key = hidden_key(site, visitor)
            members = [f"{block}{HIDDEN_SEPARATOR}{v}" for block, hidden in blocks.items() for v in hidden]
            self.writes.send(("sadd", key, *members), ("expire", key, self._lifetime_s(site)))
        return len(everything)


def forget_shared_sticky(writes: RedisWrites, sites: SiteRegistry, local: Callable[..., int]) -> Callable[..., int]:
    """The privacy service's `forget_sticky`: this process's memory, and the visitor's sticky keys in Redis."""

    def forget(*, site: str, visitor: str) -> int:
        configured = sites.sites.get(site)
        if configured is not None:
            writes.send(("delete", *[sticky_key(site, visitor, block.id) for block in configured.blocks]))
        return local(site=site, visitor=visitor)

    return forget
