"""Policies from the learner to the edges: a versioned snapshot in Redis plus a pub/sub notice.

The learner thread encodes its policies at each refresh (every 0.2 s while it learns); the publisher sends
the newest at most every PUBLISH_INTERVAL_S. Edges load a new version into fresh policy objects off the
event loop and swap the whole dict in one assignment, so a request sees the old policies or the new ones.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import orjson
import redis.asyncio as aioredis
import redis.exceptions

from server import metrics
from server.learner.snapshots import not_finite
from server.scaled.stream import POLICY_CHANNEL, POLICY_KEY, POLICY_VERSION_KEY
from server.sites import SiteRegistry, make_policy, policy_key

log = logging.getLogger("attune.scaled")
PUBLISH_INTERVAL_S = 0.25
POLL_INTERVAL_S = 1.0  # the fallback when a notice was missed (a reconnect)
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class LatestPublisher:
    """In the learner: the newest of what `offer` was given (from any thread) goes to Redis as a value, its version
    and a notice on `channel`; older offers not yet sent are skipped, and a send Redis refused is tried again."""

    def __init__(self, client: aioredis.Redis, *, key: str, version_key: str, channel: str, operation: str,
                 pause_s: float, published_version: int) -> None:
        self.client, self.key, self.version_key, self.channel = client, key, version_key, channel
        self.operation, self.pause_s = operation, pause_s  # pause: after each send (rate) or only after a failure
        self._latest: tuple[int, bytes] | None = None
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self.published_version = published_version
        self.reachable = True

    def offer_encoded(self, version: int, blob: bytes) -> None:
        self._latest = (version, blob)
        self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, *, pause_always: bool) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            latest = self._latest
            if latest is None or latest[0] == self.published_version:
                continue
            try:
                async with self.client.pipeline(transaction=True) as pipe:
                    pipe.set(self.key, latest[1]).set(self.version_key, latest[0])
                    pipe.publish(self.channel, latest[0])
                    await pipe.execute()
                self.published_version, self.reachable = latest[0], True
            except REDIS_DOWN:
                metrics.REDIS_ERRORS.labels(self.operation).inc()
                self.reachable = False
                self._wake.set()  # sent once Redis answers: edges keep the last version meanwhile
                if not pause_always:
                    await asyncio.sleep(self.pause_s)
            if pause_always:
                await asyncio.sleep(self.pause_s)


class PolicyPublisher(LatestPublisher):
    """The learner's policies, at most every PUBLISH_INTERVAL_S: `offer` from the learner thread."""

    def __init__(self, client: aioredis.Redis) -> None:
        super().__init__(client, key=POLICY_KEY, version_key=POLICY_VERSION_KEY, channel=POLICY_CHANNEL,
                         operation="policy", pause_s=PUBLISH_INTERVAL_S, published_version=-1)

    def offer(self, version: int, policies: dict) -> None:
        """The learner's policies after a refresh (learner thread): encoded here, sent by `run`."""
        state = {"version": version, "published_at": time.time(),
                 "policies": {key: {"kind": p.kind, "state": p.state()} for key, p in policies.items()}}
        if not_finite(state):
            return  # as with snapshots: the edges keep the last good policies
        self.offer_encoded(version, orjson.dumps(state))

    async def run(self) -> None:
        await super().run(pause_always=True)


class PolicyFollower:
    """At an edge: the published policies, loaded on each notice, and by polling in case one was missed."""

    def __init__(self, client: aioredis.Redis, sites: SiteRegistry) -> None:
        self.client, self.sites = client, sites
        self.version = 0  # decisions carry it as their policy_version
        self.published_at: float | None = None
        self.swapping = asyncio.Lock()  # a config swap and a policy load never interleave (server/scaled/shared_config.py)

    async def load_if_new(self) -> bool:
        async with self.swapping:
            return await self.load_holding_lock()

    async def load_holding_lock(self, *, force: bool = False) -> bool:
        """`force`: load even the version this edge has (its configuration changed: new blocks, new kinds)."""
        version = await self.client.get(POLICY_VERSION_KEY)
        if version is None or (int(version) == self.version and not force):
            return False
        blob = await self.client.get(POLICY_KEY)
        if blob is None:
            return False
        state = await asyncio.to_thread(orjson.loads, blob)
        self.sites.policies = await asyncio.to_thread(self._policies, state)  # one assignment: atomic for readers
        self.version, self.published_at = state["version"], state.get("published_at")
        metrics.policy_published(self.version, self.published_at or 0.0)
        return True

    def _policies(self, state: dict) -> dict:
        saved = state["policies"]
        policies = {}
        for site in self.sites.config.sites:
            for block in site.blocks:
                key = policy_key(site.key, block.id)
                policy = make_policy(site, block)
                found = saved.get(key)
                if found is not None and found["kind"] == policy.kind:
                    policy.load_state(found["state"])
                policy.refresh()
                policies[key] = policy
        return policies

    async def run(self) -> None:
        await follow(self.client, POLICY_CHANNEL, self.load_if_new, operation="policy")


async def follow(client: aioredis.Redis, channel: str, load: Callable[[], Awaitable[bool]], *, operation: str) -> None:
    """Call `load` on each notice of `channel`, and every POLL_INTERVAL_S in case one was missed; survive Redis
    going away and coming back."""
    while True:
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(channel)
            await load()
            polled = time.monotonic()
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
                if message is not None or time.monotonic() - polled >= POLL_INTERVAL_S:
                    await load()
                    polled = time.monotonic()
        except REDIS_DOWN:
            metrics.REDIS_ERRORS.labels(operation).inc()
            await asyncio.sleep(0.5)
        except Exception:  # a version this edge cannot load: keep serving the last one
            log.exception("could not follow %s", channel)
            await asyncio.sleep(POLL_INTERVAL_S)
        finally:
            try:
                await asyncio.wait_for(pubsub.aclose(), 1)
            except Exception:  # a dead connection closes as well as it can
                pass
