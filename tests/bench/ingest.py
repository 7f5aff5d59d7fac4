"""Section 2: event ingest, acknowledged (202 = durably stored) batches of 50 via POST /v1/events."""

from __future__ import annotations

import random
import time
import uuid

import msgspec

from tests.bench import loadgen
from tests.bench.common import HOST, Options, attune, cpu_meter, section, table
from tests.bench.decide import decide_bodies

BATCH = 50
CONNECTIONS = 8


def decision_ids(port: int, count: int) -> list[str]:
    """Real decision ids, from real decide calls, for the events to refer to."""
    ids: list[str] = []

    def keep(index: int, status: int, body: bytes) -> None:
        ids.extend(d["decision_id"] for d in msgspec.json.decode(body)["decisions"])

    requests = [loadgen.post(HOST, port, "/v1/decide", body) for body in decide_bodies(count, seed=11)]
    loadgen.run(loadgen.closed_loop(HOST, port, requests, count=count, connections=4, on_response=keep))
    return ids


def event_batches(port: int, ids: list[str], count: int, seed: int = 5) -> list[bytes]:
    """Pre-encoded requests of 50 fresh events each: impressions and some clicks on real decisions."""
    rng = random.Random(seed)
    now = int(time.time() * 1000)
    requests = []
    for i in range(count):
        events = [{"id": uuid.UUID(int=rng.getrandbits(128), version=4).hex,
                   "type": "click" if rng.random() < 0.2 else "impression",
                   "decision_id": rng.choice(ids), "ts": now} for _ in range(BATCH)]
        body = msgspec.json.encode({"site": "pk_demo", "visitor": f"bench-visitor-{i % 997:06d}", "events": events})
        requests.append(loadgen.post(HOST, port, "/v1/events", body))
    return requests


def run(opts: Options) -> dict:
    section(f"2. Event ingest (batches of {BATCH}, {CONNECTIONS} connections, 202 = stored)")
    batches = 300 if opts.quick else 3000
    with attune(opts.work_dir, "ingest") as server:
        ids = decision_ids(server.port, 200 if opts.quick else 2000)
        requests = event_batches(server.port, ids, batches)
        accepted = 0

        def count(index: int, status: int, body: bytes) -> None:
            nonlocal accepted
            if status == 202:
                accepted += msgspec.json.decode(body)["accepted"]

        with cpu_meter(server.process.pid) as cpu:
            result = loadgen.run(loadgen.closed_loop(HOST, server.port, requests, count=batches,
                                                     connections=CONNECTIONS, expect=202, on_response=count))
        health = server.health()
    summary = result.summary()
    events_per_s = accepted / result.elapsed
    print(table(["load", "batches", "events/s", "batch p50 ms", "batch p99 ms", "failed", "srv cores",
                 "srv cpu us/event", "client cpu", "other cores"],
                [[f"closed x{CONNECTIONS}", summary["requests"], events_per_s, summary["p50_ms"], summary["p99_ms"],
                  summary["errors"], round(cpu["cores"], 2), cpu["cores"] / events_per_s * 1e6, summary["client_cpu"],
                  round(cpu["others"], 2)]]))
    print(f"accepted {accepted:,} of {batches * BATCH:,} events; {health['write_groups']:,} commit groups so far")
    return {"batches": batches, "batch_size": BATCH, "connections": CONNECTIONS, "decision_ids": len(ids),
            "accepted": accepted, "events_per_s": round(events_per_s, 1), **summary,
            "server_cores": round(cpu["cores"], 2), "other_cores": round(cpu["others"], 2), "health": health}
