"""The learner's mirrors against a real redis-server, in one process: a start deletes the interests and traits of a
visitor erased while Redis was out of reach, and the learner's copy of counters follows Redis but never brings
back what an erasure deleted."""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis

from server.config.loader import load_config
from server.counters.tally import Tally, VisitorCounters
from server.privacy.interests import VisitorInterests
from server.scaled.learner_counters import CounterMirror
from server.scaled.shared_counters import CHANGED_KEY, COUNT_VIEW, counters_key, member
from server.scaled.shared_learner import RedisWrites
from server.scaled.shared_profile import MirroredProfiles, profile_key
from server.sites import SiteRegistry
from server.surveys.traits import ProfileTraits
from tests.scaled.cluster import run_async


def run(redis_server, work) -> None:
    async def main() -> None:
        client = aioredis.Redis.from_url(redis_server.url)
        writes = RedisWrites(client)
        sending = asyncio.create_task(writes.run())
        try:
            await work(client, writes, SiteRegistry(load_config()))
            await asyncio.sleep(0.1)  # the queued writes go out
        finally:
            sending.cancel()
            await client.aclose()

    run_async(main())


def test_a_start_writes_every_profile_again_and_deletes_those_the_learner_no_longer_holds(redis_server):
    interests, traits = VisitorInterests(), ProfileTraits(site=lambda key: None)

    async def work(client, writes, sites):
        profiles = MirroredProfiles(interests, traits, writes, sites)
        profiles.install()
        interests.set(site="pk_demo", visitor="kept", interests=("home",))
        interests.set(site="pk_demo", visitor="erased", interests=("home",))
        await asyncio.sleep(0.1)
        profiles.uninstall()  # the learner dies here: the erasure below never reaches Redis
        interests.forget(site="pk_demo", visitor="erased")
        profiles.install()  # the next start
        assert await profiles.copy_all(client) == 1

    run(redis_server, work)
    client = redis_server.client()
    assert client.exists(profile_key("pk_demo", "kept")) and not client.exists(profile_key("pk_demo", "erased"))


def test_the_learners_copy_follows_redis_and_an_erasure_is_not_undone_by_an_earlier_read(redis_server):
    counters = VisitorCounters(page_groups=lambda site: {})

    async def work(client, writes, sites):
        mirror = CounterMirror(counters, client, writes, sites)
        for visitor in ("a", "b"):
            await client.eval(COUNT_VIEW, 2, counters_key("pk_demo", visitor), CHANGED_KEY, 1_000, 1_800_000, 60,
                              member("pk_demo", visitor))
        assert await mirror.pull() == 2
        assert counters.of("pk_demo", "a").sessions == 1
        mirror.erasing(lambda cursor, **visitor: counters.forget(**visitor))(None, site="pk_demo", visitor="b")
        await asyncio.sleep(0.1)
        assert not await client.exists(counters_key("pk_demo", "b"))
        # what a read made just before the delete returns: the erased counts (first seen before the erasure)
        await client.eval(COUNT_VIEW, 2, counters_key("pk_demo", "b"), CHANGED_KEY, 1_000, 1_800_000, 60,
                          member("pk_demo", "b"))
        await mirror.pull()
        assert counters.of("pk_demo", "b") is None
        await client.delete(counters_key("pk_demo", "b"))
        now = time.time_ns() // 1_000_000 + 1  # the visitor comes back after the erasure: counted from zero
        await client.eval(COUNT_VIEW, 2, counters_key("pk_demo", "b"), CHANGED_KEY, now, 1_800_000, 60,
                          member("pk_demo", "b"))
        await mirror.pull()
        assert counters.of("pk_demo", "b").first_seen == now

    run(redis_server, work)


def test_a_counters_hash_is_restored_from_the_table_only_where_redis_has_none(redis_server):
    async def work(client, writes, sites):
        mirror = CounterMirror(VisitorCounters(page_groups=lambda site: {}), client, writes, sites)
        await client.hset(counters_key("pk_demo", "newer"), "sessions", 9)
        now = 10**13
        rows = [("pk_demo", "lost", now, now, now, 2, '{"pricing": 3}', '{"signup": 1}'),
                ("pk_demo", "newer", now, now, now, 1, "{}", "{}")]
        assert await mirror._restore(rows, now) == 1

    run(redis_server, work)
    from server.scaled.shared_counters import tally_from

    client = redis_server.client()
    assert tally_from(client.hgetall(counters_key("pk_demo", "lost"))) == Tally(
        10**13, 10**13, 10**13, 2, {"pricing": 3}, {"signup": 1})
    assert client.hget(counters_key("pk_demo", "newer"), "sessions") == b"9"
