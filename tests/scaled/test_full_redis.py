"""A full Redis (maxmemory with noeviction) refuses writes: an edge answers an events batch with 503 and
Retry-After (the SDK retries it), never a 500, and spools the decisions it could not add."""

from __future__ import annotations


import pytest
import redis.asyncio as aioredis
from litestar.exceptions import ServiceUnavailableException

from server.scaled.decision_stream import DecisionStream
from server.scaled.event_stream import StreamEventSink
from server.scaled.shared_rate_limit import SharedEventRateLimit
from server.scaled.spool import Spool
from server.storage.rows import EventRow
from tests.scaled.cluster import run_async


def test_a_full_redis_gets_events_a_503_and_decisions_the_spool(redis_server, tmp_path):
    async def main() -> None:
        client = aioredis.Redis.from_url(redis_server.url)
        try:
            await client.config_set("maxmemory", "1")  # below what it holds already: every write is refused
            await client.config_set("maxmemory-policy", "noeviction")
            decisions = DecisionStream(client, Spool(tmp_path / "decisions.spool", max_bytes=1 << 20))
            sink = StreamEventSink(client, decisions, SharedEventRateLimit(per_visitor=0, per_address=0))
            events = [EventRow(id="e" * 16, site="pk_demo", visitor=None, type="impression",
                               decision_id=None, value=None, ts=None, received_at=1_764_000_000_000)]
            with pytest.raises(ServiceUnavailableException) as refused:
                await sink.store_events(events)
            assert refused.value.headers["retry-after"] == "1"
            assert await decisions._add([[b"x"]], spooled=False) is False  # not taken: the caller spools it
            assert decisions.redis_errors == 2
        finally:
            await client.aclose()

    run_async(main())
