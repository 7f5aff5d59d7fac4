"""The scaled section's measurements against running processes: load spread over edges, CPU per process,
freshness from one edge to another, and how fast the learner drains the stream into DuckDB."""

from __future__ import annotations

import asyncio
import signal
import time
from contextlib import contextmanager

import httpx
import msgspec

from tests.bench import loadgen
from tests.bench.common import HOST, cpu_seconds, machine_busy_seconds
from tests.scaled.cluster import backlog


@contextmanager
def cores(pids: dict[str, int]):
    """Cores each named process used over a block, plus this process (`client`) and the rest of the machine."""
    usage: dict[str, float] = {}
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    own0, busy0, wall0 = time.process_time(), machine_busy_seconds(), time.perf_counter()
    try:
        yield usage
    finally:
        wall = time.perf_counter() - wall0
        for name, pid in pids.items():
            usage[name] = round((cpu_seconds(pid) - before[name]) / wall, 2)
        usage["client"] = round((time.process_time() - own0) / wall, 2)
        usage["others"] = round(max(0.0, (machine_busy_seconds() - busy0) / wall - sum(usage.values())), 2)


def merged(results: list[loadgen.Result]) -> dict:
    """One summary for load runs made side by side against several processes."""
    total = loadgen.Result(latencies=[x for r in results for x in r.latencies], errors=sum(r.errors for r in results),
                           elapsed=max(r.elapsed for r in results), late=sum(r.late for r in results))
    summary = total.summary()
    summary["rate"] = round(sum(r.rate for r in results), 1)  # each ran its own clock, side by side
    return summary


def closed(ports: list[int], bodies: list[bytes], *, duration: float, connections: int) -> dict:
    """Closed loop against each port at once, `connections` each; the achieved rate is their sum."""
    async def side_by_side():
        return await asyncio.gather(*(loadgen.closed_loop(HOST, port, [loadgen.post(HOST, port, "/v1/decide", b)
                                                                        for b in bodies], duration=duration,
                                                          connections=connections) for port in ports))
    return merged(loadgen.run(side_by_side()))


def opened(ports: list[int], bodies: list[bytes], *, rate: float, duration: float, connections: int = 32) -> dict:
    """Open loop at `rate` in all, split evenly over the ports."""
    async def side_by_side():
        return await asyncio.gather(*(loadgen.open_loop(HOST, port, [loadgen.post(HOST, port, "/v1/decide", b)
                                                                      for b in bodies], rate=rate / len(ports),
                                                        duration=duration, connections=connections // len(ports))
                                      for port in ports))
    return merged(loadgen.run(side_by_side()))


def version_at(http: httpx.Client, url: str) -> int:
    return int(http.get(f"{url}/healthz").json()["policy_version"])


def freshness(at: str, live_at: str, *, site: str, block: str, samples: int, timeout: float = 10.0) -> dict:
    """Seconds from a rating's 202 at edge `at` to a policy that learned it answering at edge `live_at`.

    The site's block asks for thumbs, so the rating closes the reward window: the learner learns it as soon
    as it reads it. Samples run one at a time on an otherwise quiet site, so the first version past the one
    before is the one holding it.
    """
    seconds, missed = [], 0
    with httpx.Client(timeout=5) as http:
        for n in range(samples):
            before = version_at(http, live_at)
            decided = http.post(f"{at}/v1/decide", json={"site": site, "visitor": f"fresh-{n:05d}", "blocks": [block]})
            decision_id = decided.json()["decisions"][0]["decision_id"]
            events = [{"id": f"fresh-imp-{n:05d}", "type": "impression", "decision_id": decision_id},
                      {"id": f"fresh-rate-{n:05d}", "type": "rating", "decision_id": decision_id, "value": 1}]
            sent = http.post(f"{at}/v1/events", json={"site": site, "events": events})
            acknowledged = time.perf_counter()
            assert sent.status_code == 202, sent.text
            while version_at(http, live_at) <= before:
                if time.perf_counter() - acknowledged > timeout:
                    missed += 1
                    break
                time.sleep(0.005)
            else:
                seconds.append(time.perf_counter() - acknowledged)
    seconds.sort()
    pick = lambda q: seconds[min(len(seconds) - 1, int(q * len(seconds)))] if seconds else float("nan")  # noqa: E731
    return {"samples": len(seconds), "missed": missed, "p50_s": round(pick(0.5), 3), "p90_s": round(pick(0.9), 3),
            "p99_s": round(pick(0.99), 3),
            "max_s": round(max(seconds, default=float("nan")), 3)}


def wait_drained(client, timeout: float = 120.0) -> float:
    """Seconds until the learner has stored and acknowledged everything in the stream."""
    start = time.perf_counter()
    while backlog(client) and time.perf_counter() - start < timeout:
        time.sleep(0.02)
    return time.perf_counter() - start


def event_bodies(ids: list[str], count: int, *, site: str, batch: int = 50, tag: str = "ev") -> list[bytes]:
    """`count` batches of fresh impressions (a fifth clicks) on real decisions, as tests/bench/ingest.py sends."""
    bodies = []
    for i in range(count):
        events = [{"id": f"{tag}-{i:06d}-{j:02d}", "type": "click" if j % 5 == 0 else "impression",
                   "decision_id": ids[(i * batch + j) % len(ids)]} for j in range(batch)]
        bodies.append(msgspec.json.encode({"site": site, "visitor": f"bench-visitor-{i % 997:06d}", "events": events}))
    return bodies


def push_events(ports: list[int], bodies: list[bytes], *, connections: int = 4) -> dict:
    """Every batch once, spread over the edges, closed loop; `accepted` counts what the 202s acknowledged."""
    accepted = 0

    def count(index: int, status: int, body: bytes) -> None:
        nonlocal accepted
        if status == 202:
            accepted += msgspec.json.decode(body)["accepted"]

    async def side_by_side():
        share = [bodies[n::len(ports)] for n in range(len(ports))]
        return await asyncio.gather(*(loadgen.closed_loop(HOST, port, [loadgen.post(HOST, port, "/v1/events", b)
                                                                        for b in part], count=len(part),
                                                          connections=connections, expect=202, on_response=count)
                                      for port, part in zip(ports, share)))
    summary = merged(loadgen.run(side_by_side()))
    return {**summary, "accepted": accepted, "events_per_s": round(accepted / summary["elapsed_s"], 1)}


@contextmanager
def paused(process):
    """The learner stopped (SIGSTOP) for a block: the stream backs up behind it, as when it is down."""
    process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        process.send_signal(signal.SIGCONT)


def wait_learned(learner_url: str, position: int, timeout: float = 120.0) -> float:
    """Seconds until the learner's /healthz log position reaches `position` (every stored row applied)."""
    start = time.perf_counter()
    with httpx.Client(timeout=5) as http:
        while time.perf_counter() - start < timeout:
            try:
                if http.get(f"{learner_url}/healthz").json()["log_position"] >= position:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
    return time.perf_counter() - start
