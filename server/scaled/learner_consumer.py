"""The learner's side of the stream: entries into the DuckDB log through the writer, acknowledged after its commit.

Entries this learner was delivered and never acknowledged (it was killed, or a reply was lost) are claimed
and stored again first; their decisions are rechecked against the log and event ids are its primary key,
so nothing is stored or learned twice. Acknowledged entries are trimmed from the stream.
"""

from __future__ import annotations

import asyncio
import logging
import time

import redis.asyncio as aioredis
import redis.exceptions

from server import metrics
from server.scaled.broadcast import REDIS_DOWN
from server.scaled.stream import GROUP, STREAM, decode_entry
from server.storage.writer import GroupCommitWriter, StorageUnavailable

log = logging.getLogger("attune.scaled")
READ_COUNT = 500  # entries per read: one writer commit
READ_BLOCK_MS = 250  # under the client's socket timeout (0.5 s): a longer block would read as a lost Redis
TRIM_INTERVAL_S = 5.0


class StreamConsumer:
    def __init__(self, client: aioredis.Redis, writer: GroupCommitWriter, *, name: str) -> None:
        self.client, self.writer, self.name = client, writer, name
        self.reachable = False
        self.entries = 0  # stored and acknowledged since start
        self.backlog = 0  # entries in the stream not yet delivered to the learner, at the last trim
        self._trimmed_at = 0.0

    async def run(self) -> None:
        claim = True  # first, and after any Redis failure: a read whose reply was lost left entries pending here
        while True:
            try:
                if claim:
                    await self._create_group()
                    await self._claim_pending()
                    claim = False
                    self.reachable = True
                read = await self.client.xreadgroup(GROUP, self.name, {STREAM: ">"}, count=READ_COUNT,
                                                    block=READ_BLOCK_MS)
                for _stream, entries in read or ():
                    await self._store(entries, redelivered=False)
                if time.monotonic() - self._trimmed_at >= TRIM_INTERVAL_S:
                    await self._trim()
            except REDIS_DOWN as error:
                metrics.REDIS_ERRORS.labels("stream").inc()
                if self.reachable:
                    log.warning("the learner lost Redis (%s); retrying", error)
                self.reachable, claim = False, True
                await asyncio.sleep(0.5)
            except StorageUnavailable:
                log.error("the event log refused a stream read; it stays pending and is tried again")
                claim = True
                await asyncio.sleep(1.0)
            except Exception:  # an entry that does not decode, a bug: logged, and the loop goes on
                log.exception("the stream consumer failed; its entries stay pending and are tried again")
                claim = True
                await asyncio.sleep(1.0)

    async def _create_group(self) -> None:
        try:
            await self.client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except redis.exceptions.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def _claim_pending(self) -> None:
        """Everything delivered to any consumer of the group and not acknowledged (there is one learner)."""
        start = "0-0"
        while True:
            start, entries, *_ = await self.client.xautoclaim(STREAM, GROUP, self.name, min_idle_time=0,
                                                              start_id=start, count=READ_COUNT)
            entries = [entry for entry in entries if entry[1]]  # trimmed away: nothing to store
            if entries:
                log.info("storing %d stream entries delivered before and never acknowledged", len(entries))
                await self._store(entries, redelivered=True)
            if start in (b"0-0", "0-0"):
                return

    async def _store(self, entries: list, *, redelivered: bool) -> None:
        decisions, events, recheck = [], [], redelivered
        for _id, fields in entries:
            entry_decisions, entry_events, spooled = decode_entry(fields)
            decisions += entry_decisions
            events += entry_events
            recheck = recheck or spooled
        if recheck:  # a spooled group may come in the same read as its first send, whose reply Redis never gave
            decisions = list({row.decision_id: row for row in decisions}.values())
        if decisions or events:
            await self.writer.store_events(events, decisions=decisions, recheck=recheck)  # returns after the commit
        await self.client.xack(STREAM, GROUP, *[entry_id for entry_id, _ in entries])
        self.entries += len(entries)

    async def _trim(self) -> None:
        """Drop what every consumer has acknowledged: entries before the oldest pending one, or before the
        last delivered one when nothing is pending."""
        self._trimmed_at = time.monotonic()
        groups = await self.client.xinfo_groups(STREAM)
        ours = next((g for g in groups if g["name"] in (GROUP, GROUP.encode())), None)
        if ours is None:
            return
        self.backlog = int(ours.get("lag") or 0)
        pending = await self.client.xpending(STREAM, GROUP)
        oldest = pending["min"] if pending["pending"] else ours["last-delivered-id"]
        await self.client.xtrim(STREAM, minid=oldest, approximate=False)
        lag = ours.get("lag")  # None when Redis cannot count it: then the length left by the trim, an upper bound
        waiting = int(lag) + int(pending["pending"]) if lag is not None else await self.client.xlen(STREAM)
        metrics.STREAM_BACKLOG.labels(STREAM).set(waiting)
