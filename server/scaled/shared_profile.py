"""Visitors' chosen interests and profile traits, shared through Redis: the learner writes, every edge reads.

Interests (the preference center) and traits (profile answers) are set at the learner, which owns the tables
they are kept in. After each change (a choice, a cleared choice, an answer, an erasure, a retention delete) the
learner writes the visitor's current record, both together, to one key per (site, visitor hash); an edge reads
it with one GET in the round trip that loads the visitor's sticky decisions (server/scaled/shared_visitor.py), so
decide merges them exactly as in embedded mode, and a changed interest or trait ends a sticky decision as there.
While Redis is unreachable an edge uses what it last read for the visitor.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from server.privacy.interests import VisitorInterests
    from server.scaled.shared_learner import RedisWrites
    from server.sites import SiteRegistry
    from server.surveys.traits import ProfileTraits

log = logging.getLogger("attune.scaled")
DAY_S = 24 * 3600
PREFIX = "attune:profile:"
INDEX_KEY = "attune:profiles"  # members `site<US>visitor` of every profile key written: what a start checks
MAX_RECENT = 50_000  # visitors whose record an edge keeps for a Redis outage; the least recently read go first


def profile_key(site: str, visitor: str) -> str:
    return f"{PREFIX}{site}:{visitor}"


class ProfileRecord(msgspec.Struct, array_like=True, frozen=True):
    interests: tuple[str, ...] = ()
    traits: dict[str, str | int | float] = {}


NO_PROFILE = ProfileRecord()
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(ProfileRecord).decode


class RecentProfiles:
    """At an edge: each visitor's record as last read from Redis (what answers while Redis does not)."""

    def __init__(self, *, max_visitors: int = MAX_RECENT) -> None:
        self.max_visitors = max_visitors
        self._records: OrderedDict[tuple[str, str], ProfileRecord] = OrderedDict()

    def read(self, site: str, visitor: str, raw: bytes | None) -> ProfileRecord:
        """The record Redis gave (None: no key), remembered for the outage."""
        key = (site, visitor)
        if raw is None:
            self._records.pop(key, None)
            return NO_PROFILE
        record = self._records[key] = _decode(raw)
        self._records.move_to_end(key)
        while len(self._records) > self.max_visitors:
            self._records.popitem(last=False)
        return record

    def get(self, site: str, visitor: str) -> ProfileRecord:
        return self._records.get((site, visitor), NO_PROFILE)


class MirroredProfiles:
    """At the learner: each change of a visitor's interests or traits, their whole current record into Redis."""

    def __init__(self, interests: VisitorInterests, traits: ProfileTraits, writes: RedisWrites,
                 sites: SiteRegistry) -> None:
        self.interests, self.traits, self.writes, self.sites = interests, traits, writes, sites
        self._lock = threading.Lock()

    def install(self) -> None:
        self.interests.on_change = self.traits.on_change = self.changed

    def uninstall(self) -> None:
        self.interests.on_change = self.traits.on_change = None

    def changed(self, site: str, visitor: str) -> None:
        """From any thread, after the change. Read and queued under one lock: the last write queued holds the
        latest state, whichever thread changed it last."""
        with self._lock:
            record = ProfileRecord(self.interests.of(site, visitor), self.traits.of(site, visitor))
            key, indexed = profile_key(site, visitor), f"{site}\x1f{visitor}"
            if record.interests or record.traits:
                self.writes.send(("set", key, _encode(record), self._lifetime_s(site)), ("sadd", INDEX_KEY, indexed))
            else:
                self.writes.send(("delete", key), ("srem", INDEX_KEY, indexed))

    def _lifetime_s(self, site: str) -> int:
        """As long as retention keeps the choice or the answer behind it; the learner deletes it sooner."""
        configured = self.sites.sites.get(site)
        return (configured.privacy.retention.feedback_days if configured else 730) * DAY_S

    async def copy_all(self, client) -> int:
        """At start: every record the learner holds into Redis, and any key Redis holds that the learner does not
        (a visitor erased or expired while the learner could not reach Redis) written again, so deleted."""
        held = set(self.interests.visitors()) | set(self.traits.visitors())
        for site, visitor in held:
            self.changed(site, visitor)
        stale = 0
        async for indexed in client.sscan_iter(INDEX_KEY, count=1000):
            site, _, visitor = indexed.decode().partition("\x1f")
            if (site, visitor) not in held:
                self.changed(site, visitor)
                stale += 1
        if stale:
            log.info("deleting %d visitors' interests and traits from Redis that the learner no longer holds", stale)
        return len(held)
