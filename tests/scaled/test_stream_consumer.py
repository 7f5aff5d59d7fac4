"""The learner's stream consumer against a real redis-server and a real DuckDB log, in one process: a decision group
that Redis took although its reply was lost is in the stream twice (as sent, and from the edge's spool); read in one
go, it is stored once."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from server.scaled.learner_consumer import StreamConsumer
from server.scaled.stream import STREAM, decision_fields, encode_rows
from server.storage.event_log import EventLog
from server.storage.rows import DecisionRow, new_decision_id
from server.storage.writer import GroupCommitWriter
from tests.scaled.cluster import run_async


def decision(i: int) -> DecisionRow:
    at = 1_764_000_000_000 + i
    return DecisionRow(decision_id=new_decision_id(at), site="pk", block="b", variant="v", candidates=["v"],
                       propensity=1.0, policy="uniform", policy_version=0, context="{}", explored=False,
                       holdout=False, reason="only_option", visitor=None, window_ms=1000, feedback=None,
                       decided_at=at)


def test_a_spooled_group_read_with_its_first_send_is_stored_once(redis_server, tmp_path):
    log = EventLog(tmp_path / "log.duckdb")
    writer = GroupCommitWriter(log, on_commit=lambda decisions, events: None)
    writer.start()
    rows = [decision(1), decision(2)]
    group = encode_rows(rows)

    async def main() -> None:
        client = aioredis.Redis.from_url(redis_server.url)
        await client.xadd(STREAM, decision_fields(group))  # taken, though the edge never heard so
        await client.xadd(STREAM, decision_fields(group, spooled=True))  # so it sent it again from its spool
        consumer = StreamConsumer(client, writer, name="learner@test")
        consuming = asyncio.create_task(consumer.run())
        try:
            for _ in range(100):
                if consumer.entries == 2:
                    break
                await asyncio.sleep(0.05)
        finally:
            consuming.cancel()
            await client.aclose()
        assert consumer.entries == 2

    run_async(main())
    stored = writer.run_job_blocking(lambda cursor: cursor.execute("SELECT decision_id FROM decisions").fetchall())
    writer.stop()
    log.close()
    assert sorted(row[0] for row in stored) == sorted(row.decision_id for row in rows)
