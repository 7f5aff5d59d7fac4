"""The scaled section: scaled mode (Redis, one learner, two edges) against embedded mode, every process on this machine.

One embedded `attune serve` and one scaled set (redis-server with infra/redis.conf, a learner, two edges) run
side by side, so every ratio comes from the same run under the same load on the machine. The load generator
sends to each edge directly, spreading its connections over them; the front proxy of infra/launch.py is
measured once on its own row. Redis costs are read from Redis (INFO) around the phases that make them.
"""

from __future__ import annotations

import httpx

from tests.bench import decide, ingest, scaled_learning, scaled_redis, scaled_report
from tests.bench import scaled_measures as measures
from tests.bench.common import Options, section
from tests.bench.scaled_front import FrontServer
from tests.scaled.cluster import RedisServer, backlog, scaled_server, start_all
from tests.support.server import NO_RATE_LIMITS, AttuneServer

CONNECTIONS = 16  # per process under test, as the decide section's middle closed loop
RATE = 1000


def run(opts: Options) -> dict:
    section("Scaled mode: Redis + learner + 2 edges against embedded mode, all on this machine")
    config = scaled_learning.section_config(opts.work_dir)
    redis_server = RedisServer(opts.work_dir / "scaled-redis").start()
    embedded = AttuneServer(opts.work_dir / "scaled-embedded", config=config,
                            env={**NO_RATE_LIMITS, "ATTUNE_EVALUATE_MINUTES": "0"})
    learner = scaled_server(opts.work_dir / "scaled-learner", redis_server.url, "learner", config)
    edges = [scaled_server(opts.work_dir / f"scaled-edge{n}", redis_server.url, "edge", config) for n in (1, 2)]
    front = None
    try:
        start_all(embedded, learner, *edges)
        front = FrontServer(learner.url, [edge.url for edge in edges]).start()
        return _measure(opts, redis_server, embedded, learner, edges, front)
    finally:
        for process in (front, *edges, learner, embedded):
            if process is not None:
                process.stop()
        redis_server.stop()


def _measure(opts, redis_server, embedded, learner, edges, front) -> dict:
    client = redis_server.client()
    duration, hold = (2.0, 2.0) if opts.quick else (3.0, 4.0)
    bodies = decide.decide_bodies(2000)
    pids = {"embedded": embedded.process.pid, "edge1": edges[0].process.pid, "edge2": edges[1].process.pid,
            "learner": learner.process.pid, "redis": redis_server.process.pid, "front": front.process.pid}
    edge_ports = [edge.port for edge in edges]
    for port in (embedded.port, *edge_ports, front.port):  # warm-up: imports, caches, connections
        measures.closed([port], bodies, duration=1.0, connections=4)
    measures.wait_drained(client)
    out: dict = {"throughput": {}, "p99": {}}
    for name, ports in (("embedded", [embedded.port]), ("1 edge", edge_ports[:1]), ("2 edges", edge_ports),
                        ("front proxy", [front.port])):
        before = scaled_redis.read(client)
        with measures.cores(pids) as cpu:
            result = measures.closed(ports, bodies, duration=duration, connections=CONNECTIONS)
        out["throughput"][name] = {**result, "cores": cpu}
        if name == "1 edge":
            out["redis_per_decide"] = scaled_redis.per_unit(before, scaled_redis.read(client), result["answered"])
    client.config_set("appendfsync", "everysec")  # what fsync per write costs an edge: one row, then back
    try:
        with measures.cores(pids) as cpu:
            result = measures.closed(edge_ports[:1], bodies, duration=duration, connections=CONNECTIONS)
        out["throughput"]["1 edge, everysec"] = {**result, "cores": cpu}
    finally:
        client.config_set("appendfsync", "always")
    for name, ports in (("embedded", [embedded.port]), ("1 edge", edge_ports[:1]), ("2 edges", edge_ports)):
        before = scaled_redis.read(client)
        with measures.cores(pids) as cpu:
            out["p99"][name] = {**measures.opened(ports, bodies, rate=RATE, duration=hold), "cores": cpu}
        if name == "1 edge":
            out["redis_per_decide_at_rate"] = scaled_redis.per_unit(before, scaled_redis.read(client),
                                                                    out["p99"][name]["answered"])
    behind = backlog(client)  # stream entries the learner had not stored when the decide runs ended
    out["decisions_drain"] = {"entries": behind, "seconds": round(measures.wait_drained(client, timeout=300), 1)}
    out["learning"] = _learning(opts, embedded, learner, edge_ports)
    out["freshness"] = measures.freshness(edges[0].url, edges[1].url, site=scaled_learning.FRESH_SITE,
                                          block="hero", samples=20 if opts.quick else 50)
    out["events"] = _events(opts, client, embedded, learner, edges, pids)
    out["policy_bytes"] = scaled_redis.policy_bytes(client)
    out["health"] = {"learner": learner.health(), "edge1": edges[0].health(), "edge2": edges[1].health()}
    return scaled_report.report(opts, out)


def _learning(opts, embedded, learner, edge_ports) -> dict:
    """Each mode twice, alternating, each run on a fresh site: the same visitors, so the spread is the servers'."""
    impressions = min(opts.impressions, 8_000)  # four runs within the section's ~4 minutes
    simulated = scaled_learning.visitors(impressions, seed=opts.seeds[0])
    runs: dict[str, list[dict]] = {"embedded": [], "2 edges": []}
    for site in scaled_learning.SIM_SITES:
        runs["embedded"].append(scaled_learning.drive([embedded.port], embedded.url, simulated, site=site))
        runs["2 edges"].append(scaled_learning.drive(edge_ports, learner.url, simulated, site=site))
    difference, tolerance = scaled_learning.within_noise(runs["embedded"], runs["2 edges"], simulated.value)
    found = {name: [{k: v for k, v in r.items() if k != "earned"} for r in found] for name, found in runs.items()}
    return {"impressions": impressions, "seed": opts.seeds[0], **found, "difference": difference,
            "tolerance": tolerance}


def _events(opts, client, embedded, learner, edges, pids) -> dict:
    """Events acknowledged at the edges while the learner is paused, then the learner's drain into DuckDB."""
    batches = 100 if opts.quick else 400
    edge_ids = ingest.decision_ids(edges[0].port, 400)
    measures.wait_drained(client)
    with measures.paused(learner.process):  # decisions alone: their stream bytes, kept until the learner acks
        before = scaled_redis.read(client)
        decided = len(ingest.decision_ids(edges[0].port, 600 if opts.quick else 1500))
        per_decision = scaled_redis.per_unit(before, scaled_redis.read(client), decided)
    with measures.cores(pids) as decisions_cpu:
        decisions_s = measures.wait_drained(client)
    position = httpx.get(f"{learner.url}/healthz", timeout=5).json()["log_position"]
    bodies = measures.event_bodies(edge_ids, batches, site="pk_demo")
    with measures.paused(learner.process):
        before = scaled_redis.read(client)
        with measures.cores(pids) as push_cpu:
            pushed = measures.push_events([edge.port for edge in edges], bodies)
        per_event = scaled_redis.per_unit(before, scaled_redis.read(client), pushed["accepted"])
    with measures.cores(pids) as drain_cpu:
        stored_s = measures.wait_drained(client)
    learned_s = stored_s + measures.wait_learned(learner.url, position + pushed["accepted"])
    embedded_bodies = measures.event_bodies(ingest.decision_ids(embedded.port, 400), batches, site="pk_demo", tag="em")
    with measures.cores(pids) as embedded_cpu:
        direct = measures.push_events([embedded.port], embedded_bodies, connections=8)
    return {"pushed": {**pushed, "cores": push_cpu}, "stored_s": round(stored_s, 2), "learned_s": round(learned_s, 2),
            "stored_per_s": round(pushed["accepted"] / stored_s, 1),
            "learned_per_s": round(pushed["accepted"] / learned_s, 1),
            "drain_cores": drain_cpu, "embedded": {**direct, "cores": embedded_cpu},
            "decisions": {"rows": decided, "stored_s": round(decisions_s, 2), "per_s": round(decided / decisions_s, 1),
                          "cores": decisions_cpu},
            "redis_per_event": per_event, "redis_per_decision": per_decision}
