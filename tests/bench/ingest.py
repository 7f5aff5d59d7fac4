"""Section 2: event ingest, acknowledged (202 = durably stored) batches of 50 via POST /v1/events.

Two rows from one server, one after the other: plain impressions and clicks on real decisions, then open-text
survey answers (the demo's `nps`/`better` question, real review sentences, the page's technical context and
language), which the server checks against their question and stores in the text columns. The server's background
feedback learner themes the answers meanwhile (about 1.5 ms each), so their row pays for that too."""

from __future__ import annotations

import random
import time
import uuid

import msgspec

from tests.bench import loadgen
from tests.bench.common import HOST, Options, attune, cpu_meter, section, table
from tests.bench.decide import decide_bodies
from tests.bench.feedback import answers as review_sentences

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


def answer_batches(port: int, count: int, seed: int = 6) -> list[bytes]:
    """Pre-encoded requests of 50 open-text answers each, as the widget sends them: text, tech context, language."""
    rng = random.Random(seed)
    texts, now = review_sentences(), int(time.time() * 1000)
    requests = []
    for i in range(count):
        events = [{"id": uuid.UUID(int=rng.getrandbits(128), version=4).hex, "type": "survey_answer",
                   "survey": "nps", "question": "better", "text": rng.choice(texts), "ts": now, "page": "/product",
                   "language": "en", "tech": {"ttfb_ms": rng.uniform(50, 900), "lcp_ms": rng.uniform(800, 5000),
                                              "inp_ms": rng.uniform(20, 400), "decide_ms": rng.uniform(2, 40),
                                              "js_errors": rng.choice((0, 0, 0, 1))}} for _ in range(BATCH)]
        body = msgspec.json.encode({"site": "pk_demo", "visitor": f"bench-visitor-{i % 997:06d}", "events": events})
        requests.append(loadgen.post(HOST, port, "/v1/events", body))
    return requests


def measure(server, requests: list[bytes]) -> tuple[dict, dict, float]:
    """Send the batches closed-loop; (load summary, server CPU, events acknowledged per second)."""
    accepted = 0

    def count(index: int, status: int, body: bytes) -> None:
        nonlocal accepted
        if status == 202:
            accepted += msgspec.json.decode(body)["accepted"]

    with cpu_meter(server.process.pid) as cpu:
        result = loadgen.run(loadgen.closed_loop(HOST, server.port, requests, count=len(requests),
                                                 connections=CONNECTIONS, expect=202, on_response=count))
    summary = {**result.summary(), "accepted": accepted}
    return summary, cpu, accepted / result.elapsed


def run(opts: Options) -> dict:
    section(f"2. Event ingest (batches of {BATCH}, {CONNECTIONS} connections, 202 = stored)")
    batches = 300 if opts.quick else 3000
    answer_count = 60 if opts.quick else 600  # 30,000 answers: more than most sites get in a year
    rows, out = [], {}
    with attune(opts.work_dir, "ingest") as server:
        ids = decision_ids(server.port, 200 if opts.quick else 2000)
        for name, requests in (("impressions, clicks", event_batches(server.port, ids, batches)),
                               ("survey answers (text)", answer_batches(server.port, answer_count))):
            summary, cpu, per_s = measure(server, requests)
            rows.append([name, summary["requests"], per_s, summary["p50_ms"], summary["p99_ms"], summary["errors"],
                         round(cpu["cores"], 2), cpu["cores"] / per_s * 1e6, summary["client_cpu"],
                         round(cpu["others"], 2)])
            out[name] = {**summary, "events_per_s": round(per_s, 1), "server_cores": round(cpu["cores"], 2),
                         "other_cores": round(cpu["others"], 2)}
        health = server.health()
    print(table(["events", "batches", "events/s", "batch p50 ms", "batch p99 ms", "failed", "srv cores",
                 "srv cpu us/event", "client cpu", "other cores"], rows))
    plain, answers = out["impressions, clicks"], out["survey answers (text)"]
    print(f"accepted {plain['accepted']:,} of {batches * BATCH:,} events and {answers['accepted']:,} of "
          f"{answer_count * BATCH:,} survey answers; {health['write_groups']:,} commit groups so far")
    print(f"survey answers ingested per second: {answers['events_per_s']:,.0f} "
          f"({answers['events_per_s'] / plain['events_per_s']:.2f}x plain events in the same run)")
    return {"batches": batches, "batch_size": BATCH, "connections": CONNECTIONS, "decision_ids": len(ids),
            "accepted": plain["accepted"], "events_per_s": plain["events_per_s"], **plain,
            "survey_answers": answers, "health": health}
