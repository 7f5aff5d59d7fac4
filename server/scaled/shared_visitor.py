"""Visitor state the edges share through Redis: sticky decisions, first-page claims and rated-down variants.

decide is synchronous (it never waits on I/O), so an edge reads what one decide call needs just before it runs
(server/scaled/shared_prefetch.py): in one pipelined round trip, the visitor's sticky decisions for the blocks
asked, the variants they rated down, their interests and profile traits (server/scaled/shared_profile.py) and,
where the site keeps them, their counters (server/scaled/shared_counters.py). The stores here answer decide from
that `Loaded` state. New sticky
decisions and anonymous first pages are queued and sent in one pipeline per event-loop turn, not awaited.
While Redis is unreachable the edge's own memory answers, as before anything was shared: stickiness then holds
per edge, nothing is suppressed, and a first page is claimed only at the edge that decided it.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec
import redis.asyncio as aioredis

from server import metrics
from server.config.schema import Block
from server.decide.schemas import Decision
from server.decide.sticky import ADOPT_WITHIN_MS, FirstPages, MemoryStickyStore, Shown, Unclaimed
from server.counters.tally import Tally
from server.scaled.broadcast import REDIS_DOWN
from server.scaled.shared_counters import counters_key, tally_from
from server.scaled.shared_profile import NO_PROFILE, ProfileRecord, RecentProfiles, profile_key
from server.sites import SiteRegistry

_NONE: frozenset[str] = frozenset()
HIDDEN_SEPARATOR = "\x1f"  # between block and variant in a member of a visitor's hidden set


def sticky_key(site: str, visitor: str, block: str) -> str:
    return f"attune:sticky:{site}:{visitor}:{block}"


def hidden_key(site: str, visitor: str) -> str:
    """A set of `block<US>variant` the visitor rated down; written by the learner (shared_learner.py)."""
    return f"attune:hidden:{site}:{visitor}"


def first_page_key(decision_id: str) -> str:
    return f"attune:first:{decision_id}"


class StickyRecord(msgspec.Struct, array_like=True):
    decision: Decision
    block_digest: str  # the block's configuration when decided: a change ends stickiness, as in embedded mode
    holdout: bool
    interests: tuple[str, ...]
    expires_at: int


class FirstPageRecord(msgspec.Struct, array_like=True):
    site: str
    decision: Decision
    block_digest: str
    holdout: bool
    decided_at: int


_encode = msgspec.msgpack.Encoder().encode
_sticky = msgspec.msgpack.Decoder(StickyRecord).decode
_first_page = msgspec.msgpack.Decoder(FirstPageRecord).decode


@dataclass(slots=True)
class Loaded:
    """What Redis held for one visitor when their request came in; stores read it, and update it as they write."""

    sticky: dict[str, Shown | None] = field(default_factory=dict)  # block -> shown (None: nothing sticky)
    hidden: dict[str, frozenset[str]] = field(default_factory=dict)  # block -> rated-down variants
    first_pages: dict[str, Unclaimed] = field(default_factory=dict)  # decision id -> claimed from Redis
    profile: ProfileRecord = NO_PROFILE  # interests and profile traits (server/scaled/shared_profile.py)
    counters_read: bool = False  # whether the visitor's counters were read (only for a site that keeps them)
    tally: Tally | None = None  # their counts before this request (server/scaled/shared_counters.py)


class SharedVisitorState:
    def __init__(self, client: aioredis.Redis, sites: SiteRegistry, *, reachable: Callable[[], bool]) -> None:
        self.client, self.sites, self.reachable = client, sites, reachable
        self.loaded: dict[tuple[str, str], Loaded] = {}  # (site, visitor hash) of requests being answered
        self.first_pages: dict[str, Unclaimed] = {}  # claimed from Redis, for the claim in progress
        self.local_sticky = MemoryStickyStore()  # what answers while Redis does not
        self.local_profiles = RecentProfiles()  # the same for interests and traits
        self.redis_errors = 0
        self._writes: list[tuple[str, bytes, int]] = []  # key, value, expiry in ms
        self._flushing: asyncio.Task | None = None
        self._digests: dict[int, tuple[Block, str]] = {}

    def block_digest(self, block: Block) -> str:
        found = self._digests.get(id(block))
        if found is None or found[0] is not block:
            if len(self._digests) > 10_000:
                self._digests.clear()  # configurations come and go: old blocks are not kept alive
            found = self._digests[id(block)] = (block, hashlib.blake2b(_encode(block), digest_size=8).hexdigest())
        return found[1]

    def current_block(self, site: str, block_id: str, digest: str) -> Block | None:
        """The live block if it is configured as it was when a record was written, else None."""
        block = self.sites.blocks.get((site, block_id))
        return block if block is not None and self.block_digest(block) == digest else None

    async def load(self, site: str, visitor: str, blocks: list[str], *, claims: list[str] = (),
                   counters: bool = False) -> Loaded:
        """One pipelined round trip; raises a REDIS_DOWN error when Redis does not answer."""
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.mget([sticky_key(site, visitor, block) for block in blocks])
            pipe.smembers(hidden_key(site, visitor))
            pipe.get(profile_key(site, visitor))
            if counters:
                pipe.hgetall(counters_key(site, visitor))
            for decision_id in claims:
                pipe.getdel(first_page_key(decision_id))
            sticky, hidden, profile, *rest = await pipe.execute()
        loaded = Loaded(profile=self.local_profiles.read(site, visitor, profile), counters_read=counters)
        if counters:
            loaded.tally = tally_from(rest.pop(0))
        first_pages = rest
        for block, raw in zip(blocks, sticky):
            loaded.sticky[block] = None if raw is None else self._shown(site, _sticky(raw))
        for member in hidden:
            block, _, variant = member.decode().partition(HIDDEN_SEPARATOR)
            loaded.hidden[block] = loaded.hidden.get(block, _NONE) | {variant}
        for decision_id, raw in zip(claims, first_pages):
            if raw is not None and (found := self._unclaimed(_first_page(raw))) is not None:
                loaded.first_pages[decision_id] = found
        return loaded

    def _shown(self, site: str, record: StickyRecord) -> Shown:
        block = self.current_block(site, record.decision.block, record.block_digest)
        return Shown(record.decision, block, record.holdout, tuple(record.interests), record.expires_at)

    def _unclaimed(self, record: FirstPageRecord) -> Unclaimed | None:
        block = self.current_block(record.site, record.decision.block, record.block_digest)
        return None if block is None else Unclaimed(record.site, record.decision, block, record.holdout,
                                                    record.decided_at)

    def write(self, key: str, value: bytes, expires_in_ms: int) -> None:
        """Queued from decide (event loop thread); sent with the others of this loop turn in one pipeline."""
        if expires_in_ms <= 0 or not self.reachable():
            return
        if not self._writes:
            self._flushing = asyncio.get_running_loop().create_task(self._flush())  # referenced until it runs
        self._writes.append((key, value, expires_in_ms))

    async def _flush(self) -> None:
        writes, self._writes = self._writes, []
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for key, value, expires_in_ms in writes:
                    pipe.set(key, value, px=expires_in_ms)
                await pipe.execute()
        except REDIS_DOWN:
            self.redis_errors += 1  # kept in this edge's memory only: other edges decide anew for these visitors
            metrics.REDIS_ERRORS.labels("visitor").inc()


class SharedSticky:
    """decide's StickyStore at an edge: the visitor's loaded state, else this edge's memory."""

    def __init__(self, state: SharedVisitorState) -> None:
        self.state = state

    def recall(self, *, site: str, visitor: str, block: str, now: int) -> Shown | None:
        loaded = self.state.loaded.get((site, visitor))
        if loaded is None or block not in loaded.sticky:
            return self.state.local_sticky.recall(site=site, visitor=visitor, block=block, now=now)
        shown = loaded.sticky[block]
        return shown if shown is not None and shown.expires_at > now else None

    def remember(self, *, site: str, visitor: str, block: str, shown: Shown) -> None:
        self.state.local_sticky.remember(site=site, visitor=visitor, block=block, shown=shown)
        loaded = self.state.loaded.get((site, visitor))
        if loaded is not None:
            loaded.sticky[block] = shown
        if shown.block is None:
            return
        record = StickyRecord(shown.decision, self.state.block_digest(shown.block), shown.holdout,
                              shown.interests, shown.expires_at)
        self.state.write(sticky_key(site, visitor, block), _encode(record), shown.expires_at - _now_ms())

    def forget(self, *, site: str, visitor: str) -> int:
        return self.state.local_sticky.forget(site=site, visitor=visitor)  # erasure runs at the learner


class SharedFirstPages(FirstPages):
    """Anonymous first pages, noted in Redis too, so an impression at any edge claims them."""

    def __init__(self, state: SharedVisitorState) -> None:
        super().__init__()
        self.state = state

    def note(self, unclaimed: Unclaimed, *, decision_id: str) -> None:
        super().note(unclaimed, decision_id=decision_id)
        record = FirstPageRecord(unclaimed.site, unclaimed.decision, self.state.block_digest(unclaimed.block),
                                 unclaimed.holdout, unclaimed.decided_at)
        self.state.write(first_page_key(decision_id), _encode(record), ADOPT_WITHIN_MS)

    def claim(self, decision_id: str, *, site: str, now: int) -> Unclaimed | None:
        local = super().claim(decision_id, site=site, now=now)  # taken here too, so it is claimed once
        found = self.state.first_pages.pop(decision_id, None) or local
        if found is None or found.site != site or now - found.decided_at > ADOPT_WITHIN_MS:
            return None
        return found


class SharedSuppression:
    """decide's SuppressionStore at an edge: read-only, from the visitor's loaded state (the learner writes)."""

    def __init__(self, state: SharedVisitorState) -> None:
        self.state = state

    def suppressed(self, *, site: str, visitor: str, block: str) -> frozenset[str]:
        loaded = self.state.loaded.get((site, visitor))
        return _NONE if loaded is None else loaded.hidden.get(block, _NONE)

    def add(self, **_) -> None:
        raise NotImplementedError("an edge never rates: the learner adds suppressions")

    remove = forget = of_visitor = add


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
