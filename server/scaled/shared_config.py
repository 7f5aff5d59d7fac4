"""Admin config edits from the learner to the edges: the live version in Redis plus a pub/sub notice.

The learner publishes each version its ConfigStore applies (and, at start, the one it serves); an edge parses a
new one off the event loop and hands it to its SiteRegistry, which swaps it in as the admin does in embedded
mode (no pause: a decide sees the old configuration or the new one). Policies are then reloaded for it, so a new
block or a changed policy kind gets the learner's state at once. While Redis is unreachable an edge keeps
serving the last version it loaded.
"""

from __future__ import annotations

import asyncio
import logging
import time
import tomllib
from collections.abc import Awaitable, Callable

import orjson
import redis.asyncio as aioredis

from server import metrics
from server.config.loader import parse_config
from server.config.schema import Config
from server.config.toml import to_toml
from server.scaled.broadcast import POLL_INTERVAL_S, REDIS_DOWN, PolicyFollower
from server.scaled.stream import CONFIG_CHANNEL, CONFIG_KEY, CONFIG_VERSION_KEY
from server.sites import SiteRegistry

log = logging.getLogger("attune.scaled")


class ConfigPublisher:
    """In the learner: `offer` from any thread (the admin's edit), `run` as a task in the event loop."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        self._latest: tuple[int, bytes] | None = None
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self.published_version = 0

    def offer(self, version: int, config: Config) -> None:
        self._latest = (version, orjson.dumps({"version": version, "toml": to_toml(config)}))
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
                    pipe.set(CONFIG_KEY, latest[1]).set(CONFIG_VERSION_KEY, latest[0])
                    pipe.publish(CONFIG_CHANNEL, latest[0])
                    await pipe.execute()
                self.published_version = latest[0]
            except REDIS_DOWN:
                metrics.REDIS_ERRORS.labels("config").inc()
                self._wake.set()  # sent once Redis answers: edges keep the last version meanwhile
                await asyncio.sleep(0.5)


class ConfigFollower:
    """At an edge: the learner's live configuration, loaded on each notice and by polling."""

    def __init__(self, client: aioredis.Redis, sites: SiteRegistry, policies: PolicyFollower) -> None:
        self.client, self.sites, self.policies = client, sites, policies
        self.version = 0  # the learner's config version this edge serves; 0: its own --config file

    async def load_if_new(self) -> bool:
        version = await self.client.get(CONFIG_VERSION_KEY)
        if version is None or int(version) == self.version:
            return False
        blob = await self.client.get(CONFIG_KEY)
        if blob is None:
            return False
        state = orjson.loads(blob)
        source = f"live config v{state['version']}"
        config = await asyncio.to_thread(lambda: parse_config(tomllib.loads(state["toml"]), source=source))
        async with self.policies.swapping:
            self.sites.apply(config)
            await self.policies.load_holding_lock(force=True)
        self.version = state["version"]
        log.info("serving the learner's %s", source)
        return True

    async def run(self) -> None:
        await follow(self.client, CONFIG_CHANNEL, self.load_if_new)


async def follow(client: aioredis.Redis, channel: str, load: Callable[[], Awaitable[bool]]) -> None:
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
            metrics.REDIS_ERRORS.labels("config").inc()
            await asyncio.sleep(0.5)
        except Exception:  # a version this edge cannot load: keep serving the last one
            log.exception("could not follow %s", channel)
            await asyncio.sleep(POLL_INTERVAL_S)
        finally:
            try:
                await asyncio.wait_for(pubsub.aclose(), 1)
            except Exception:  # a dead connection closes as well as it can
                pass
