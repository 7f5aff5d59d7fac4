"""Policies from the learner to the edges: a versioned snapshot in Redis plus a pub/sub notice.

The learner thread encodes its policies at each refresh (every 0.2 s while it learns); the publisher sends
the newest at most every PUBLISH_INTERVAL_S. Edges load a new version into fresh policy objects off the
event loop and swap the whole dict in one assignment, so a request sees the old policies or the new ones.
"""

from __future__ import annotations

import asyncio
import logging
import time

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


class PolicyPublisher:
    """In the learner: `offer` from the learner thread, `run` as a task in the event loop."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        self._latest: tuple[int, bytes] | None = None
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self.published_version = -1
        self.reachable = True

    def offer(self, version: int, policies: dict) -> None:
        """The learner's policies after a refresh (learner thread): encoded here, sent by `run`."""
        state = {"version": version, "published_at": time.time(),
                 "policies": {key: {"kind": p.kind, "state": p.state()} for key, p in policies.items()}}
        if not_finite(state):
            return  # as with snapshots: the edges keep the last good policies
        self._latest = (version, orjson.dumps(state))
        self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            latest = self._latest
            if latest is None or latest[0] == self.published_version:
                continue
            try:
                async with self.client.pipeline(transaction=True) as pipe:
                    pipe.set(POLICY_KEY, latest[1]).set(POLICY_VERSION_KEY, latest[0])
                    pipe.publish(POLICY_CHANNEL, latest[0])
                    await pipe.execute()
                self.published_version, self.reachable = latest[0], True
            except REDIS_DOWN:
                metrics.REDIS_ERRORS.labels("policy").inc()
                self.reachable = False
                self._wake.set()  # try again after the pause below
            await asyncio.sleep(PUBLISH_INTERVAL_S)


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
        """Follow notices; poll every POLL_INTERVAL_S as well; survive Redis going away and coming back."""
        while True:
            pubsub = self.client.pubsub()
            try:
                await pubsub.subscribe(POLICY_CHANNEL)
                await self.load_if_new()
                polled = time.monotonic()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
                    if message is not None or time.monotonic() - polled >= POLL_INTERVAL_S:
                        await self.load_if_new()
                        polled = time.monotonic()
            except REDIS_DOWN:
                metrics.REDIS_ERRORS.labels("policy").inc()
                await asyncio.sleep(0.5)
            except Exception:  # a published state this edge cannot load: keep deciding with the last one
                log.exception("could not load the published policies")
                await asyncio.sleep(POLL_INTERVAL_S)
            finally:
                try:
                    await asyncio.wait_for(pubsub.aclose(), 1)
                except Exception:  # a dead connection closes as well as it can
                    pass
