"""The scaled section's one table, its verdicts and its caveats, from what tests/bench/scaled.py measured."""

from __future__ import annotations

from tests.bench.common import Options, table, verdict

TARGET_P99_MS, TARGET_FRESH_S = 10.0, 1.0
SHORT = {"embedded": "emb", "edge1": "e1", "edge2": "e2", "learner": "lrn", "others": "other"}


def _cores(cpu: dict, *names: str) -> str:
    shown = dict.fromkeys((*names, "redis", "learner", "client", "others"))
    return " ".join(f"{SHORT.get(name, name)} {cpu[name]:.2f}" for name in shown if name in cpu)


def _ratio(scaled: float, embedded: float) -> str:
    return f"{scaled / embedded:.2f}" if embedded else ""


def rows(out: dict) -> list[list[object]]:
    top, p99, ev, learn = out["throughput"], out["p99"], out["events"], out["learning"]
    emb = top["embedded"]
    found = [["decide max/s, embedded (closed x16)", emb["rate"], "", "", _cores(emb["cores"], "embedded")]]
    for name, label, busy in (("1 edge", "1 edge", ("edge1",)),
                              ("2 edges", "2 edges, load spread over both", ("edge1", "edge2")),
                              ("front proxy", "2 edges via the front proxy", ("front", "edge1", "edge2")),
                              ("1 edge, everysec", "1 edge, Redis appendfsync everysec", ("edge1",))):
        found.append([f"decide max/s, {label} (x16 each)", emb["rate"], top[name]["rate"],
                      _ratio(top[name]["rate"], emb["rate"]), _cores(top[name]["cores"], *busy)])
    for name, busy in (("1 edge", ("edge1",)), ("2 edges", ("edge1", "edge2"))):
        label = "1 edge" if name == "1 edge" else "2 edges, 500/s each"
        late = ">" if p99[name]["late"] else ""
        found.append([f"decide p99 ms at 1,000/s, {label}", f"{p99['embedded']['p99_ms']:.2f}",
                      f"{late}{p99[name]['p99_ms']:.2f}", _ratio(p99[name]["p99_ms"], p99["embedded"]["p99_ms"]),
                      f"achieved {p99[name]['rate']:,.0f}/s; " + _cores(p99[name]["cores"], *busy)])
    fresh = out["freshness"]
    for q in ("p50", "p90", "p99"):
        found.append([f"freshness {q} s: rating 202 at edge 1 -> live at edge 2", "", fresh[f"{q}_s"], "",
                      f"{fresh['samples']} samples, {fresh['missed']} missed (>10 s); policies "
                      f"{out['policy_bytes'] / 1e6:.1f} MB a version"])
    pushed, direct = ev["pushed"], ev["embedded"]
    found += [
        ["events/s acknowledged, batches of 50", direct["events_per_s"], pushed["events_per_s"],
         _ratio(pushed["events_per_s"], direct["events_per_s"]),
         "embedded 202 = DuckDB commit; edges 202 = XADD (learner paused); "
         + _cores(pushed["cores"], "edge1", "edge2")],
        ["events/s stream -> DuckDB (learner stores + XACKs)", direct["events_per_s"], ev["stored_per_s"],
         _ratio(ev["stored_per_s"], direct["events_per_s"]),
         f"{pushed['accepted']:,} events backed up; " + _cores(ev["drain_cores"], "learner")],
        ["decisions/s stream -> DuckDB (learner, 3 a request)", "", ev["decisions"]["per_s"], "",
         f"{ev['decisions']['rows']:,} decisions backed up; " + _cores(ev["decisions"]["cores"], "learner")],
        ["events/s learned (the learner thread applied them)", "", ev["learned_per_s"], "", "log position reached"],
        [f"share of oracle lift, {learn['impressions']:,} visitors, seed {learn['seed']}, 2 runs each",
         _shares(learn["embedded"]), _shares(learn["2 edges"]), f"{learn['difference']:+.3f}",
         f"2 edges; mean difference, noise +/-{learn['tolerance']:.3f}; release lag up to "
         f"{max(r['behind_s'] for r in learn['2 edges']):.2f} s"],
    ]
    per_decide, per_decision, per_event = out["redis_per_decide"], ev["redis_per_decision"], ev["redis_per_event"]
    at_rate = out["redis_per_decide_at_rate"]
    one_edge = top["1 edge"]
    redis_us = one_edge["cores"]["redis"] / one_edge["rate"] * 1e6 if one_edge["rate"] else float("nan")
    event_us = pushed["cores"]["redis"] / pushed["events_per_s"] * 1e6 if pushed["events_per_s"] else float("nan")
    found += [
        ["Redis commands per decide request, x16 (edge; learner)", "", per_decide["edge_commands"], "",
         f"learner {per_decide['learner_commands']:.3f}; {_by(per_decide['edge_by_command'], per_decide['units'])}"],
        ["Redis commands per decide request at 1,000/s (1 edge)", "", at_rate["edge_commands"], "",
         f"learner {at_rate['learner_commands']:.3f}; {_by(at_rate['edge_by_command'], at_rate['units'])}"],
        ["Redis CPU us per decide request (1 edge, x16)", "", redis_us, "", "redis-server process CPU / requests"],
        ["Redis bytes per decision: stream memory", "", per_decision["stream_bytes"], "",
         f"AOF {per_decision['aof_bytes']:.0f}, net in {per_decision['net_in_bytes']:.0f} (3 blocks a request)"],
        ["Redis commands per event", "", per_event["edge_commands"], "",
         _by(per_event["edge_by_command"], per_event["units"])],
        ["Redis CPU us per event", "", event_us, "", "redis-server process CPU / events, learner paused"],
        ["Redis bytes per event: memory (stream + id key)", "", per_event["memory_bytes"], "",
         f"stream {per_event['stream_bytes']:.0f}, AOF {per_event['aof_bytes']:.0f}, "
         f"net in {per_event['net_in_bytes']:.0f}"],
        ["published policies, bytes (each edge reads it per version)", "", out["policy_bytes"], "", ""],
    ]
    return found


def _shares(runs: list[dict]) -> str:
    return " ".join(f"{r['share']:.3f}" for r in runs)


def _by(commands: dict[str, int], units: int) -> str:
    return ", ".join(f"{name} {calls / units:.2f}" for name, calls in commands.items() if calls / units >= 0.01)


def report(opts: Options, out: dict) -> dict:
    print(table(["measure", "embedded", "scaled", "scaled/emb", "cores used (same run)"], rows(out)))
    drain = out["decisions_drain"]
    print(f"the learner ended the decide runs {drain['entries']:,} stream entries behind and caught up in "
          f"{drain['seconds']:.1f} s.\nOne machine, 2 cores: the load generator, redis-server, the learner, both "
          "edges and the embedded server (idle when not measured)\nshare them, so '2 edges' cannot show two cores' "
          "worth of edges: it shows what the split costs, not how it scales.\nThe front proxy (infra/launch.py, httpx "
          "in Python) is for trying scaled mode, not a production load balancer.")
    learn, fresh = out["learning"], out["freshness"]
    p99 = out["p99"]["1 edge"]
    verdicts = [
        verdict(abs(learn["difference"]) <= learn["tolerance"],
                f"share of lift through 2 edges equals embedded within noise: {_shares(learn['2 edges'])} vs "
                f"{_shares(learn['embedded'])} (|mean diff| {abs(learn['difference']):.3f} "
                f"<= {learn['tolerance']:.3f})",
                quick=opts.quick),
        verdict(fresh["p99_s"] <= TARGET_FRESH_S and not fresh["missed"],
                f"freshness p99 <= {TARGET_FRESH_S:g} s from an edge's 202 to a policy live at another edge: "
                f"{fresh['p99_s']:.3f} s", quick=opts.quick),
        verdict(p99["p99_ms"] <= TARGET_P99_MS and not p99["late"],
                f"decide p99 <= {TARGET_P99_MS:g} ms at 1,000 req/s through an edge: {p99['p99_ms']:.2f} ms",
                quick=opts.quick),
        verdict(out["events"]["learned_s"] < 120, "every event acknowledged at the edges reached the learner's log "
                f"position ({out['events']['pushed']['accepted']:,} events)"),
    ]
    return {**out, "verdicts": verdicts}
