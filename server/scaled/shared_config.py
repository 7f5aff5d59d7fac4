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
import tomllib

import orjson
import redis.asyncio as aioredis

from server.config.loader import parse_config
from server.config.schema import Config
from server.config.toml import to_toml
from server.scaled.broadcast import LatestPublisher, PolicyFollower, follow
from server.scaled.stream import CONFIG_CHANNEL, CONFIG_KEY, CONFIG_VERSION_KEY
from server.sites import SiteRegistry

log = logging.getLogger("attune.scaled")


class ConfigPublisher(LatestPublisher):
    """In the learner: `offer` from any thread (the admin's edit), `run` as a task in the event loop."""

    def __init__(self, client: aioredis.Redis) -> None:
        super().__init__(client, key=CONFIG_KEY, version_key=CONFIG_VERSION_KEY, channel=CONFIG_CHANNEL,
                         operation="config", pause_s=0.5, published_version=0)

    def offer(self, version: int, config: Config) -> None:
        self.offer_encoded(version, orjson.dumps({"version": version, "toml": to_toml(config)}))

    async def run(self) -> None:
        await super().run(pause_always=False)


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
        await follow(self.client, CONFIG_CHANNEL, self.load_if_new, operation="config")
