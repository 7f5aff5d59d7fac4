"""Section 4: how much reward each policy earns through the HTTP API on a simulated population.

Every visitor gets one decide call for all three blocks (one block per policy), so the
policies see the very same visitors in the same order: a paired comparison.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import msgspec
import numpy as np

from tests.bench import loadgen
from tests.bench.common import HOST, Options, attune, cpu_meter, section, table, verdict
from tests.bench.population import Population

POLICIES = ("contextual", "thompson", "uniform")
VARIANTS = ["v1", "v2", "v3", "v4"]
WORKERS = 6  # a few concurrent visitors, like a small site's traffic
EVENTS_PER_POST = 50
# Visitors arrive at a fixed rate, as in the `learning` section: the share must measure the policy,
# not how many visitors a fast server squeezes into the 1 s reward window's learning lag.
VISITORS_PER_S = 1000
TARGET_SHARE = 0.90


def write_config(path: Path) -> Path:
    """One site, one block per policy, the same four variants; learn from every impression after 1 s."""
    lines = ['[[sites]]', 'key = "pk_bench"', 'allowed_origins = ["*"]', 'consent = "none"',
             'reward_window = 1', 'holdout_share = 0']
    for policy in POLICIES:
        lines += ['', '[[sites.blocks]]', f'id = "{policy}"', f'policy = "{policy}"', 'fallback = "v1"']
        for variant in VARIANTS:
            lines += ['[[sites.blocks.variants]]', f'id = "{variant}"', f'content = {{ title = "{variant}" }}']
    path.write_text("\n".join(lines) + "\n")
    return path


async def drive(port: int, population: Population, visitors: list) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
    """Decide for every visitor, send impressions and (with the hidden probability) clicks; return rewards."""
    count = len(visitors)
    rewards = {policy: np.zeros(count) for policy in POLICIES}  # hidden click probability of the shown variant
    answered = np.zeros(count, dtype=bool)
    cursor, failed = 0, 0

    async def post_events(connection: loadgen.Connection, events: list[dict]) -> None:
        nonlocal failed
        body = msgspec.json.encode({"site": "pk_bench", "events": events})
        status, _ = await connection.request(loadgen.post(HOST, port, "/v1/events", body))
        failed += status != 202

    loop = asyncio.get_running_loop()
    start = loop.time()

    async def worker() -> None:
        nonlocal cursor, failed
        connection = await loadgen.Connection(HOST, port).open()
        events: list[dict] = []
        while cursor < count:
            index, cursor = cursor, cursor + 1
            await asyncio.sleep(max(0.0, start + index / VISITORS_PER_S - loop.time()))
            context, probabilities = visitors[index]
            body = msgspec.json.encode({"site": "pk_bench", "visitor": f"bench-{index:08d}",
                                        "blocks": POLICIES, "context": context})
            status, reply = await connection.request(loadgen.post(HOST, port, "/v1/decide", body))
            if status != 200:
                failed += 1
                continue
            answered[index] = True
            for decision in msgspec.json.decode(reply)["decisions"]:
                probability = float(probabilities[VARIANTS.index(decision["variant"])])
                rewards[decision["block"]][index] = probability
                events.append({"id": uuid.uuid4().hex, "type": "impression", "decision_id": decision["decision_id"]})
                if population.click(probability):
                    events.append({"id": uuid.uuid4().hex, "type": "click", "decision_id": decision["decision_id"]})
            while len(events) >= EVENTS_PER_POST:
                await post_events(connection, events[:EVENTS_PER_POST])
                del events[:EVENTS_PER_POST]
        if events:
            await post_events(connection, events)
        connection.close()

    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    return rewards, answered, failed


def shares(reward: np.ndarray, best: np.ndarray, mean: np.ndarray) -> float:
    """Share of the possible lift over uniform that a policy earned: 0 is uniform, 1 is the oracle."""
    return float((reward.mean() - mean.mean()) / (best.mean() - mean.mean()))


def run_seed(opts: Options, config: Path, seed: int) -> dict:
    population = Population(VARIANTS, seed=seed)
    visitors = [population.visitor() for _ in range(opts.impressions)]
    with attune(opts.work_dir, f"policies-seed{seed}", config=config) as server:
        start, client = time.perf_counter(), time.process_time()
        with cpu_meter(server.process.pid) as cpu:
            rewards, answered, failed = loadgen.run(drive(server.port, population, visitors))
        elapsed = time.perf_counter() - start
        time.sleep(2.5)  # the last reward windows (1 s) close and are learned
        health = server.health()
    probabilities = np.array([p for _, p in visitors])[answered]
    best, mean = probabilities.max(axis=1), probabilities.mean(axis=1)
    tail = slice(int(0.9 * len(best)), None)
    deciles = np.array_split(np.arange(len(best)), 10)
    out = {"seed": seed, "visitors": len(visitors), "answered": int(answered.sum()), "failed_requests": failed,
           "visitors_per_s": round(len(visitors) / elapsed, 1), "seconds": round(elapsed, 1),
           "server_cores": round(cpu["cores"], 2), "client_cpu": round((time.process_time() - client) / elapsed, 2),
           "other_cores": round(cpu["others"], 2),
           "oracle": float(best.mean()), "uniform_expected": float(mean.mean()), "learned": health["learned"],
           "policies": {}}
    for policy in POLICIES:
        reward = rewards[policy][answered]
        out["policies"][policy] = {
            "mean_reward": float(reward.mean()), "share": shares(reward, best, mean),
            "share_last_10pct": shares(reward[tail], best[tail], mean[tail]),
            "share_by_decile": [round(shares(reward[d], best[d], mean[d]), 3) for d in deciles],
        }
    return out


def run(opts: Options) -> dict:
    section(f"4. Policy reward through the HTTP API ({opts.impressions:,} impressions per policy at {VISITORS_PER_S:,} "
            f"visitors/s, "
            f"seeds {','.join(map(str, opts.seeds))})")
    config = write_config(opts.work_dir / "bench.toml")
    seeds = [run_seed(opts, config, seed) for seed in opts.seeds]
    rows = []
    for result in seeds:
        rows.append([f"seed {result['seed']}", "oracle", result["oracle"], 1.0, 1.0])
        rows.append(["", "uniform (expected)", result["uniform_expected"], 0.0, 0.0])
        for policy, numbers in result["policies"].items():
            rows.append(["", policy, numbers["mean_reward"], numbers["share"], numbers["share_last_10pct"]])
    print(table(["population", "policy", "mean reward", "share of lift", "share last 10%"],
                [[r[0], r[1], f"{r[2]:.4f}", f"{r[3]:.3f}", f"{r[4]:.3f}"] for r in rows]))
    for result in seeds:
        print(f"seed {result['seed']}: {result['visitors_per_s']:,.0f} visitors/s over {result['seconds']:.0f} s "
              f"(server {result['server_cores']:.2f} cores, client {result['client_cpu']:.2f}, other "
              f"{result['other_cores']:.2f}), {result['failed_requests']} failed requests, "
              f"{result['learned']:,} impressions learned of {3 * result['answered']:,}")
    verdicts = [verdict(r["policies"]["contextual"]["share"] >= TARGET_SHARE,
                        f"contextual share >= {TARGET_SHARE:.2f} on seed {r['seed']}: "
                        f"{r['policies']['contextual']['share']:.3f}", quick=opts.quick) for r in seeds]
    return {"workers": WORKERS, "events_per_post": EVENTS_PER_POST, "seeds": seeds, "verdicts": verdicts}
