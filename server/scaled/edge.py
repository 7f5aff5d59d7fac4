"""The edge role: decide from the published policies, events into the stream; no DuckDB in this process.

Shared through Redis (server/scaled/shared_*.py): the learner's live configuration, sticky decisions and first-page
claims, rated-down variants, visitors' interests and profile traits, behavioural counters, the event rate limits.
Still local to each edge (README, Scaled mode): an anonymous first page's view, counted only where it is claimed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

import numpy as np
import redis.exceptions

from server.config.schema import Config
from server.decide.service import DecideDeps
from server.events.service import EventsDeps
from server.scaled.broadcast import REDIS_DOWN, PolicyFollower
from server.scaled.decision_stream import DecisionStream
from server.scaled.event_stream import StreamEventSink
from server.scaled.shared_config import ConfigFollower
from server.scaled.shared_counters import COUNT_VIEW, EdgeCounters
from server.scaled.shared_prefetch import claim_shared_first_page
from server.scaled.shared_rate_limit import SharedEventRateLimit
from server.scaled.shared_visitor import SharedFirstPages, SharedSticky, SharedSuppression, SharedVisitorState
from server.scaled.spool import Spool
from server.scaled.stream import VISITOR_KEY, connect
from server.settings import Settings
from server.sites import SiteRegistry
from server.startup import StartupError

log = logging.getLogger("attune.scaled")
WATCH_INTERVAL_S = 0.25  # how soon an edge notices Redis is back and drains its spool
KEY_WAIT_S = 60.0  # how long a new edge waits for the learner to share the visitor key


class EdgeRuntime:
    def __init__(self, settings: Settings, config: Config) -> None:
        self.settings = settings
        self.sites = SiteRegistry(config)
        self.client = connect(settings.redis_url)
        self.spool = Spool(settings.data_dir / "decisions.spool", max_bytes=int(settings.spool_mb * 1024 * 1024))
        self.stream = DecisionStream(self.client, self.spool)
        self.follower = PolicyFollower(self.client, self.sites)
        self.config_follower = ConfigFollower(self.client, self.sites, self.follower)
        self.event_rate_limit = SharedEventRateLimit(per_visitor=settings.events_per_visitor,
                                                     per_address=settings.events_per_address)
        self.visitors = SharedVisitorState(self.client, self.sites, reachable=lambda: self.stream.reachable)
        self.counters = EdgeCounters(self.visitors, self.client, page_groups=self._page_groups)
        self.decide_deps = DecideDeps(
            sites=self.sites, log_decision=self.stream.log_decision, suppression=SharedSuppression(self.visitors),
            visitor_key=b"", policy_version=lambda: self.follower.version, rng=np.random.default_rng(),
            sticky=SharedSticky(self.visitors), first_pages=SharedFirstPages(self.visitors), logged=self._logged,
            interests=lambda site, visitor: self._profile(site, visitor).interests,
            profile_traits=lambda site, visitor: dict(self._profile(site, visitor).traits), counters=self.counters)
        self.events_deps = EventsDeps(
            sites=self.sites, writer=StreamEventSink(self.client, self.stream, self.event_rate_limit),
            visitor_key=b"", rate_limit=self.event_rate_limit, trusted_proxies=settings.trusted_proxies,
            claim_first_page=self._claim_first_page)
        self._tasks: list[asyncio.Task] = []
        self._claims: set[asyncio.Task] = set()  # kept referenced until done

    def _page_groups(self, site: str):
        configured = self.sites.sites.get(site)
        return configured.counters.page_groups if configured is not None and configured.counters else None

    def _profile(self, site: str, visitor: str):
        """The visitor's interests and traits as loaded for this request, else as this edge last read them."""
        loaded = self.visitors.loaded.get((site, visitor))
        return loaded.profile if loaded is not None else self.visitors.local_profiles.get(site, visitor)

    async def _logged(self) -> None:
        """Before a decide answers: its decisions are in the stream (or spool), its page view counted in Redis."""
        await self.stream.logged()
        await self.counters.sent()

    def _claim_first_page(self, **claim) -> int:
        """From the events route, after the 202: claimed in a task (it reads Redis), so 0 claimed yet."""
        task = asyncio.get_running_loop().create_task(
            claim_shared_first_page(self.visitors, self.decide_deps, **claim))
        self._claims.add(task)
        task.add_done_callback(self._claims.discard)
        return 0

    def redis_unreachable(self) -> None:
        """A read timed out: spool decisions and refuse events until the watch loop finds Redis again."""
        self.stream.reachable = False

    @property
    def status(self) -> str:
        return "ok" if self.stream.reachable and self.spool.size == 0 else "degraded"

    async def start(self) -> None:
        key = await self._visitor_key(self.settings.data_dir / "visitor.key")
        self.decide_deps.visitor_key = self.events_deps.visitor_key = key
        with contextlib.suppress(*REDIS_DOWN):
            await self.config_follower.load_if_new()  # the learner's live configuration, admin edits included
            await self.follower.load_if_new()  # decide with the learner's policies from the first request
            await self.client.script_load(COUNT_VIEW)  # else the first views pay a NOSCRIPT round trip
        self._tasks = [asyncio.create_task(work) for work in
                       (self.follower.run(), self.config_follower.run(), self._watch())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.client.aclose()
        self.spool.close()

    async def _visitor_key(self, cached: Path) -> bytes:
        """The learner's key from Redis, kept on disk too: an edge restarted while Redis is down still hashes alike."""
        deadline = time.monotonic() + KEY_WAIT_S
        while True:
            try:
                key = await self.client.get(VISITOR_KEY)
            except REDIS_DOWN:
                key = None
                if cached.exists():
                    return cached.read_bytes()
            if key:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_bytes(key)
                return key
            if time.monotonic() > deadline:
                raise StartupError(f"no visitor key in Redis at {self.settings.redis_url} after {KEY_WAIT_S:.0f} s: "
                                   "start the learner (attune serve --role learner) with the same --redis")
            await asyncio.sleep(0.2)

    async def _watch(self) -> None:
        """While Redis is unreachable, or decisions wait in the spool: ping, then drain, every WATCH_INTERVAL_S."""
        while True:
            await asyncio.sleep(WATCH_INTERVAL_S)
            self.counters.changed_rows()  # nothing is stored at an edge: Redis has them
            if self.stream.reachable and self.spool.size == 0:
                continue
            try:
                await self.client.ping()
            except (redis.exceptions.RedisError, OSError):
                continue
            await self.stream.drain()
