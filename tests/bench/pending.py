"""Section: memory under a decide flood — decisions that are never seen, held within the per-site bound.

A hostile page (or a crawler) can call /v1/decide without ever sending an impression. Each
such decision waits in the learner's reward join for up to 30 minutes; the join holds at most
`ATTUNE_MAX_PENDING_PER_SITE` of them per site and drops the oldest first. This section sends
that flood to a real `attune serve` twice in the same run — once with the bound below the flood,
once with a bound above it (as before the bound existed) — and reads the server's RSS. It also
measures, in process, the bytes one pending decision costs with and without the shared feature tuples.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from pathlib import Path

import msgspec

import online_learning.join as join_module
from online_learning.features import context_features
from online_learning.join import PendingDecision, RewardJoin
from tests.bench import loadgen
from tests.bench.common import HOST, Options, attune, section, table, verdict
from tests.bench.population import SITE_FIELDS, Population

BOUND = 100_000  # the bound under test: well below the flood
CONNECTIONS = 16


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def flood_bodies(count: int) -> list[bytes]:
    population = Population(["a", "b"], seed=3)
    bodies = []
    for i in range(count):
        context, _ = population.visitor()
        bodies.append(msgspec.json.encode({"site": "pk_demo", "visitor": f"crawler-{i:07d}", "blocks": ["hero"],
                                           "context": {k: context[k] for k in SITE_FIELDS if k in context}}))
    return bodies


def flood(opts: Options, name: str, bound: int, calls: int, bodies: list[bytes]) -> dict:
    with attune(opts.work_dir, name, env={"ATTUNE_MAX_PENDING_PER_SITE": str(bound)}) as server:
        requests = [loadgen.post(HOST, server.port, "/v1/decide", body) for body in bodies]
        before = rss_mb(server.process.pid)
        result = loadgen.run(loadgen.closed_loop(HOST, server.port, requests, count=calls, connections=CONNECTIONS))
        health = server.health()
        for _ in range(200):  # decisions reach the learner a commit later: wait until every one is counted
            if health["unseen"] + health["dropped_unseen"] >= calls:
                break
            time.sleep(0.05)
            health = server.health()
        after = rss_mb(server.process.pid)
        snapshot = server.data_dir / "learner.snapshot"
    return {"bound": bound, "calls": calls, "errors": result.errors, "rate": round(calls / result.elapsed),
            "unseen": health["unseen"], "dropped": health["dropped_unseen"], "rss_before_mb": round(before, 1),
            "rss_after_mb": round(after, 1), "snapshot_mb": round(snapshot.stat().st_size / 2**20, 1)
            if snapshot.exists() else None}


def bytes_per_pending(count: int, *, shared: bool) -> float:
    """Traced bytes per pending decision, built as the decide path builds them (fresh feature strings)."""
    population = Population(["a", "b"], seed=3)
    contexts = [population.visitor()[0] for _ in range(count)]
    limit = join_module._FEATURE_POOL_LIMIT
    join_module._FEATURE_POOL_LIMIT = limit if shared else 0  # 0: the pool restarts every time, nothing shared
    try:
        gc.collect()
        tracemalloc.start()
        join = RewardJoin(max_unseen_per_site=count)
        start = tracemalloc.get_traced_memory()[0]
        for i, context in enumerate(contexts):
            features = context_features({k: context[k] for k in SITE_FIELDS if k in context})
            join.add_decision(PendingDecision(f"{i:012x}{i:020x}", "pk_demo", "hero", "classic", features,
                                              decided_at=i, window_ms=600_000, feedback="thumbs"))
        used = tracemalloc.get_traced_memory()[0] - start
        tracemalloc.stop()
    finally:
        join_module._FEATURE_POOL_LIMIT = limit
    return used / count


def run(opts: Options) -> dict:
    calls = 30_000 if opts.quick else 300_000
    bound = BOUND // 10 if opts.quick else BOUND
    section(f"Pending decisions under a decide flood ({calls:,} calls, one block, no impressions)")
    bodies = flood_bodies(20_000)
    bounded = flood(opts, "pending-bounded", bound, calls, bodies)
    unbounded = flood(opts, "pending-unbounded", calls * 2, calls, bodies)
    rows = []
    for label, r in (("bound below the flood", bounded), ("bound above it (as before)", unbounded)):
        rows.append([label, r["bound"], r["calls"], r["rate"], r["unseen"], r["dropped"], r["rss_before_mb"],
                     r["rss_after_mb"], r["rss_after_mb"] - r["rss_before_mb"], r["snapshot_mb"]])
    print(table(["run", "bound", "decide calls", "calls/s", "pending unseen", "dropped", "RSS start MB",
                 "RSS end MB", "growth MB", "snapshot MB"], rows))
    shared = bytes_per_pending(50_000, shared=True)
    fresh = bytes_per_pending(50_000, shared=False)
    print(table(["pending decision, in process", "bytes each", "ratio"],
                [["feature tuples shared (now)", shared, shared / fresh], ["each its own (before)", fresh, 1.0]]))
    growth = bounded["rss_after_mb"] - bounded["rss_before_mb"]
    verdicts = [
        verdict(bounded["unseen"] == bound and bounded["dropped"] == calls - bound,
                f"the join holds exactly its bound ({bound:,}) and dropped the rest", quick=opts.quick),
        verdict(bounded["errors"] == 0 and unbounded["errors"] == 0, "every decide call answered 200", quick=opts.quick),
        verdict(growth < (unbounded["rss_after_mb"] - unbounded["rss_before_mb"]),
                "RSS grows less with the bound than without", quick=opts.quick),
    ]
    return {"bounded": bounded, "unbounded": unbounded, "bytes_per_pending": {"shared": shared, "fresh": fresh},
            "verdicts": verdicts}
