"""Section 1: decide latency and throughput against `attune serve`, next to a bare Litestar endpoint."""

from __future__ import annotations

from pathlib import Path

import msgspec

from server.config.loader import load_config
from server.config.toml import to_toml
from tests.bench import loadgen
from tests.bench.bare import BareServer
from tests.bench.common import HOST, Options, attune, cpu_meter, section, table, verdict
from tests.bench.population import Population

TARGET_RATE, TARGET_P99_MS, TARGET_SHARE = 1000, 10.0, 0.5
OPEN_CONNECTIONS = 32  # enough that a slow answer never delays the next scheduled request
CLOSED_CONNECTIONS = (4, 16, 64)  # the maximum is the best of these (quick: the middle one)


def decide_bodies(count: int, seed: int = 7) -> list[bytes]:
    """Varied 3-block decide requests for the demo site: population contexts, distinct visitors."""
    population = Population(["a", "b"], seed=seed)
    bodies = []
    for i in range(count):
        context, _ = population.visitor()
        bodies.append(msgspec.json.encode({
            "site": "pk_demo", "visitor": f"bench-visitor-{i:06d}", "blocks": ["hero", "recs", "banner"],
            "context": {k: context[k] for k in ("device", "referrer", "segment")},
        }))
    return bodies


def fresh_decisions_config(work_dir: Path) -> Path:
    """The demo site with sticky variants off: every request is decided anew (the bodies' visitors repeat)."""
    demo = load_config(None)
    sites = [msgspec.structs.replace(site, blocks=[msgspec.structs.replace(block, sticky="none")
                                                   for block in site.blocks]) for site in demo.sites]
    path = work_dir / "decide-fresh.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_toml(msgspec.structs.replace(demo, sites=sites)))
    return path


def measure(name: str, port: int, pid: int, path: str, bodies: list[bytes], opts: Options) -> dict:
    """Warm up, offer each rate open-loop, then find the closed-loop maximum."""
    requests = [loadgen.post(HOST, port, path, body) for body in bodies]
    rates = (250, 1000) if opts.quick else (250, 500, 1000, 2000)
    duration = 2.0 if opts.quick else 10.0
    loadgen.run(loadgen.closed_loop(HOST, port, requests, duration=1.0 if opts.quick else 3.0, connections=4))
    runs = []
    for rate in rates:
        with cpu_meter(pid) as cpu:
            result = loadgen.run(loadgen.open_loop(HOST, port, requests, rate=rate, duration=duration,
                                                   connections=OPEN_CONNECTIONS))
        runs.append({"mode": "open", "offered": rate, **result.summary(), **_cores(cpu)})
    for connections in CLOSED_CONNECTIONS[1:2] if opts.quick else CLOSED_CONNECTIONS:
        with cpu_meter(pid) as cpu:
            result = loadgen.run(loadgen.closed_loop(HOST, port, requests, duration=duration / 2.5,
                                                     connections=connections))
        runs.append({"mode": "closed", "connections": connections, **result.summary(), **_cores(cpu)})
    best = max((r for r in runs if r["mode"] == "closed"), key=lambda r: r["rate"])
    return {"target": name, "runs": runs, "max_rate": best["rate"]}


def _cores(cpu: dict) -> dict:
    return {"server_cores": round(cpu["cores"], 2), "other_cores": round(cpu["others"], 2)}


def rows(result: dict) -> list[list[object]]:
    out = []
    for r in result["runs"]:
        load = f"open {r['offered']}/s" if r["mode"] == "open" else f"closed x{r['connections']}"
        lower = ">" if r["late"] else ""  # unanswered at the cutoff: the percentile is a lower bound
        cpu_per_request = r["server_cores"] / r["rate"] * 1e6 if r["rate"] else float("nan")
        out.append([result["target"], load, r["rate"], f"{lower}{r['p50_ms']:.2f}", f"{lower}{r['p99_ms']:.2f}",
                    r["errors"] + r["late"], r["server_cores"], cpu_per_request, r["client_cpu"], r["other_cores"]])
    return out


def run(opts: Options) -> dict:
    section("1. Decide latency and throughput (3 blocks, one worker)")
    bodies = decide_bodies(2000)
    # the background evaluation off: it is measured on its own (README), not folded into every decide row
    with attune(opts.work_dir, "decide", config=fresh_decisions_config(opts.work_dir),
                env={"ATTUNE_EVALUATE_MINUTES": "0"}) as server:
        attune_result = measure("attune", server.port, server.process.pid, "/v1/decide", bodies, opts)
        attune_result["health_after"] = server.health()  # pending decisions grow: no events arrive in this section
    echo = [msgspec.json.encode({"site": "pk_demo", "visitor": f"bench-visitor-{i:06d}",
                                 "blocks": ["hero", "recs", "banner"]}) for i in range(100)]
    bare = BareServer().start()
    try:
        bare_result = measure("bare", bare.port, bare.process.pid, "/echo", echo, opts)
    finally:
        bare.stop()
    print(table(["server", "load", "achieved/s", "p50 ms", "p99 ms", "failed", "srv cores", "srv cpu us/req",
                 "client cpu", "other cores"],
                rows(attune_result) + rows(bare_result)))
    lag = max(r["send_lag_p99_ms"] for r in bare_result["runs"] if r["mode"] == "open")
    print(f"open loop: latency counts from each request's scheduled time, so it includes queueing and the client's\n"
          f"own timer delay (bare send lag p99 <= {lag:.2f} ms); '>' marks runs cut off with requests unanswered")
    print(f"runs go in table order on one attune process, which ended holding "
          f"{attune_result['health_after']['pending']:,} pending decisions (no events are sent here)")
    ratio = attune_result["max_rate"] / bare_result["max_rate"]
    print(f"max closed-loop throughput: attune {attune_result['max_rate']:,.0f}/s, "
          f"bare {bare_result['max_rate']:,.0f}/s, attune/bare = {ratio:.2f}")
    at_target = next(r for r in attune_result["runs"] if r.get("offered") == TARGET_RATE)
    verdicts = [
        verdict(at_target["p99_ms"] <= TARGET_P99_MS and not at_target["late"],
                f"decide p99 <= {TARGET_P99_MS:g} ms at {TARGET_RATE} req/s: p99 = {at_target['p99_ms']:.2f} ms, "
                f"achieved {at_target['rate']:,.0f}/s", quick=opts.quick),
        verdict(ratio >= TARGET_SHARE, f"decide max throughput >= {TARGET_SHARE:.0%} of bare: {ratio:.0%}",
                quick=opts.quick),
    ]
    return {"attune": attune_result, "bare": bare_result, "ratio": ratio, "verdicts": verdicts}
