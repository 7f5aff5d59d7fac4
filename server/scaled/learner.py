"""The learner role: the embedded runtime plus the stream consumer, the policy publisher and the visitor key.

It serves the admin (so admin sessions stay in one process and need no sharing), the visitor-rights
endpoints that write DuckDB, and everything else an embedded server does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from server import metrics
from server.scaled.broadcast import REDIS_DOWN, PolicyPublisher
from server.scaled.learner_consumer import StreamConsumer
from server.scaled.learner_counters import CounterMirror
from server.scaled.shared_config import ConfigPublisher
from server.scaled.shared_learner import RedisWrites, MirroredSuppression, forget_shared_sticky
from server.scaled.shared_profile import MirroredProfiles
from server.scaled.stream import VISITOR_KEY, connect, consumer_name

if TYPE_CHECKING:
    from litestar import Litestar

    from server.runtime import Runtime

log = logging.getLogger("attune.scaled")


async def _share_visitor_key(client, key: bytes) -> None:
    """Every edge hashes visitor ids with the learner's key (kept in its data directory); retried until Redis takes it."""
    while True:
        try:
            await client.set(VISITOR_KEY, key)
            return
        except REDIS_DOWN:
            await asyncio.sleep(0.5)


async def _copy_profiles(profiles: MirroredProfiles, client) -> None:
    """Every visitor's interests and traits into Redis at start; retried until Redis answers."""
    while True:
        try:
            log.info("copied %d visitors' interests and traits into Redis", await profiles.copy_all(client))
            return
        except REDIS_DOWN:
            await asyncio.sleep(0.5)


def scaled_learner(runtime: Runtime, redis_url: str) -> Callable[[Litestar], contextlib.AbstractAsyncContextManager]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        client = connect(redis_url)
        metrics.edges_count_acknowledged(True)  # the edges' 202s count accepted and duplicate events
        publisher = PolicyPublisher(client)
        learner = runtime.learner
        learner.on_refresh = lambda: publisher.offer(learner.version, runtime.sites.policies)
        publisher.offer(learner.version, runtime.sites.policies)  # what the restore made, before the stream flows
        config_publisher = ConfigPublisher(client)
        latest = runtime.config_store.latest()
        config_publisher.offer(latest.version if latest else 0, runtime.sites.config)  # what this learner serves
        runtime.config_store.on_applied = config_publisher.offer  # each admin edit, to every edge
        writes = RedisWrites(client)
        suppression = MirroredSuppression(runtime.suppression, writes, runtime.sites)
        runtime.learner.suppression = runtime.decide_deps.suppression = runtime.privacy_deps.suppression = suppression
        runtime.privacy_deps.forget_sticky = forget_shared_sticky(writes, runtime.sites, runtime.sticky.forget)
        log.info("copying %d visitors' rated-down variants into Redis", suppression.copy_all())
        profiles = MirroredProfiles(runtime.interests, runtime.profile_traits, writes, runtime.sites)
        profiles.install()  # before the copy: a change made during it is written after it
        counters = CounterMirror(runtime.counters, client, writes, runtime.sites)
        counters.install()
        runtime.privacy_deps.erase_counters = counters.erasing(runtime.privacy_deps.erase_counters)
        consumer = StreamConsumer(client, runtime.writer, name=consumer_name())
        runtime.health_deps.status = lambda: "ok" if consumer.reachable and publisher.reachable else "degraded"
        runtime.scaled_consumer = consumer  # for /healthz-like checks in tests and the launcher
        tasks = [asyncio.create_task(work) for work in
                 (_share_visitor_key(client, runtime.visitor_key), publisher.run(), consumer.run(),
                  config_publisher.run(), writes.run(), counters.run(), counters.restore_missing(runtime.event_log),
                  _copy_profiles(profiles, client))]
        try:
            yield
        finally:
            learner.on_refresh = runtime.config_store.on_applied = None
            metrics.edges_count_acknowledged(False)
            profiles.uninstall()
            counters.uninstall()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await client.aclose()

    return lifespan
