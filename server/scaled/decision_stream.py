"""An edge's decisions into the stream before their decide answers go out: one pipeline per group.

Every decision made while a group is in flight joins the next group, so a burst of concurrent decides
costs one Redis round trip, not one each (the writer's group commit, over the network). When Redis does
not answer, the group goes to the spool, and so does everything after it until the spool is drained, in
order, by `drain` (called by the edge's watch loop once Redis answers again).
"""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
import redis.exceptions

from server import metrics
from server.scaled.spool import Spool
from server.scaled.stream import STREAM, decision_fields, encode_rows
from server.storage.rows import DecisionRow

log = logging.getLogger("attune.scaled")
DRAIN_GROUPS = 200  # spool records sent per pipeline while draining (new decisions wait for the drain: they follow it)


class DecisionStream:
    def __init__(self, client: aioredis.Redis, spool: Spool) -> None:
        self.client, self.spool = client, spool
        self.reachable = spool.size == 0  # a spool left by a previous run is sent before anything new
        self._open: list[DecisionRow] = []  # decided since the last group left
        self._group_done: asyncio.Future | None = None
        self._lock = asyncio.Lock()  # one group or drain at a time: the stream keeps decision order
        self.redis_errors = 0

    def log_decision(self, row: DecisionRow) -> None:
        """Called by decide (in the event loop thread) for each new decision of a request."""
        if not self._open:
            loop = asyncio.get_running_loop()
            self._group_done = loop.create_future()
            loop.create_task(self._send_group())
        self._open.append(row)

    async def logged(self) -> None:
        """Awaited by decide before it answers: its decisions are in the stream, or in the spool."""
        if self._group_done is not None and not self._group_done.done():
            await asyncio.shield(self._group_done)

    async def _send_group(self) -> None:
        done = self._group_done
        async with self._lock:
            rows, self._open, self._group_done = self._open, [], None
            try:
                encoded = encode_rows(rows)
                if not (self.reachable and await self._add([encoded], spooled=False)):
                    if not await asyncio.to_thread(self.spool.append, encoded):
                        log.error("the decision spool is full (%d bytes): %d decisions answered but not logged",
                                  self.spool.size, len(rows))
            finally:
                done.set_result(None)

    async def _add(self, groups: list[list[bytes]], *, spooled: bool) -> bool:
        """XADD each group as one entry, in one pipeline; False when Redis did not answer."""
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for group in groups:
                    pipe.xadd(STREAM, decision_fields(group, spooled=spooled))
                await pipe.execute()
            return True
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.ResponseError,
                OSError) as error:  # ResponseError: a full Redis (noeviction) refused the XADD
            # the outcome is unknown: the group is spooled and marked, and the learner skips what it holds already
            self.redis_errors += 1
            metrics.REDIS_ERRORS.labels("decisions").inc()
            if self.reachable:
                log.warning("Redis did not take %d decision groups (%s): spooling decisions", len(groups), error)
            self.reachable = False
            return False

    async def drain(self) -> bool:
        """Send the spool into the stream, oldest first; True once it is empty (and new decisions go direct)."""
        async with self._lock:
            groups = await asyncio.to_thread(self.spool.groups)
            for start in range(0, len(groups), DRAIN_GROUPS):
                if not await self._add(groups[start:start + DRAIN_GROUPS], spooled=True):
                    return False  # sent again from the start next time: the learner skips what it has
            await asyncio.to_thread(self.spool.clear)
            if groups:
                log.info("sent %d spooled decision groups to the stream", len(groups))
            self.reachable = True
            return True
