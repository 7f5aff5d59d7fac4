"""Section 7: how well Attune learns against its peers, on simulated visitors sent through the HTTP API.

For each scenario and population seed, the visitor simulator drives a real `attune serve`
(decide, then impressions, delayed clicks and ratings as events); the very same visitors
are then fed in-process to Vowpal Wabbit and River, whose rewards reach them as the
reward join would deliver them (when the window closes, or a rating closes it).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from tests.bench import chart, loadgen, offline, peers, scores, visitor_load
from tests.bench.common import Options, attune, cpu_meter, section, table, verdict
from tests.bench.visitors import REWARD_WINDOW, SCENARIOS, Scenario, stream

SITE, BLOCK = "pk_sim", "hero"
ATTUNE = "attune contextual"
TARGET_SHARE, TARGET_RECOVERY = 0.90, 10_000
CHART = Path(__file__).resolve().parents[2] / "docs" / "learning-curves.png"


def write_config(path: Path, scenario: Scenario) -> Path:
    lines = ["[[sites]]", f'key = "{SITE}"', 'allowed_origins = ["*"]', 'consent = "none"',
             f"reward_window = {int(REWARD_WINDOW)}", "holdout_share = 0", "",
             "[[sites.blocks]]", f'id = "{BLOCK}"', 'policy = "contextual"', 'fallback = "v1"', 'feedback = "thumbs"']
    for variant in scenario.variant_ids:
        lines += ["[[sites.blocks.variants]]", f'id = "{variant}"', f'content = {{ title = "{variant}" }}']
    path.write_text("\n".join(lines) + "\n")
    return path


def run_one(opts: Options, scenario: Scenario, seed: int) -> dict:
    visitors = stream(scenario, seed, opts.impressions)
    variants = scenario.variant_ids
    config = write_config(opts.work_dir / f"sim-{scenario.variants}.toml", scenario)
    with attune(opts.work_dir, f"learning-{scenario.variants}-{seed}-{scenario.shift}", config=config) as server:
        with cpu_meter(server.process.pid) as cpu:
            http = loadgen.run(visitor_load.drive(server.port, visitors, variants, site=SITE, block=BLOCK))
        time.sleep(REWARD_WINDOW + 1.0)
        learned = server.health()["learned"]
    answered = http["chosen"] >= 0
    chosen = {ATTUNE: np.where(answered, http["chosen"], 0)}  # an unanswered visitor saw the fallback, v1
    for peer in peers.peers(seed):
        chosen[peer.name] = offline.simulate(peer, visitors, variants)
        getattr(peer, "close", lambda: None)()
    result = {"scenario": scenario.name, "seed": seed, "impressions": len(visitors), "shift_at": visitors.shift_at,
              "answered": int(answered.sum()), "failed_requests": http["failed"], "learned": learned,
              "seconds": round(http["seconds"], 1), "release_behind_s": round(http["behind_s"], 3),
              "server_cores": round(cpu["cores"], 2), "other_cores": round(cpu["others"], 2),
              "oracle": float(visitors.value.max(axis=1).mean()), "uniform": float(visitors.value.mean(axis=1).mean()),
              "learners": {name: scores.summary(c, visitors.value, visitors.shift_at) for name, c in chosen.items()}}
    return result | {"value": visitors.value, "chosen": chosen}


def _impressions(n: int | None) -> str:
    return "never" if n is None else f"{n:,}"


def report(scenario: Scenario, runs: list[dict]) -> None:
    headers = ["seed", "learner", "mean reward", "share of lift", "last 10% reward", "last 10% share", "to 80% lift"]
    if scenario.shift:
        headers += ["share after shift", "back to 80% after shift"]
    rows = []
    for run in runs:
        rows.append([run["seed"], "oracle", f"{run['oracle']:.4f}", "1.000", "", "", ""] + ([""] * 2 if scenario.shift else []))
        rows.append(["", "uniform", f"{run['uniform']:.4f}", "0.000", "", "", ""] + ([""] * 2 if scenario.shift else []))
        for name, s in run["learners"].items():
            row = ["", name, f"{s['mean_reward']:.4f}", f"{s['share']:.3f}", f"{s['last_10pct_reward']:.4f}",
                   f"{s['last_10pct_share']:.3f}", _impressions(s["to_80pct"])]
            if scenario.shift:
                row += [f"{s['after_shift_share']:.3f}", _impressions(s["recovery_to_80pct"])]
            rows.append(row)
    print(f"\n{scenario.name}")
    print(table(headers, rows))
    for run in runs:
        print(f"seed {run['seed']}: {run['impressions']:,} visitors in {run['seconds']:.0f} s (release lag max "
              f"{run['release_behind_s'] * 1e3:.0f} ms, server {run['server_cores']:.2f} cores, other "
              f"{run['other_cores']:.2f}), {run['failed_requests']} failed requests, {run['learned']:,} learned")


def judge(scenario: Scenario, runs: list[dict], quick: bool) -> list[dict]:
    verdicts = []
    for run in runs:
        ours = run["learners"][ATTUNE]
        best_vw = max((s["mean_reward"], name) for name, s in run["learners"].items() if name.startswith("vw"))
        verdicts.append(verdict(ours["mean_reward"] > best_vw[0], f"{scenario.name}, seed {run['seed']}: attune mean "
                                f"reward {ours['mean_reward']:.4f} > {best_vw[1]} {best_vw[0]:.4f}", quick=quick))
        if scenario.shift:
            back = ours["recovery_to_80pct"]
            verdicts.append(verdict(back is not None and back <= TARGET_RECOVERY, f"{scenario.name}, seed {run['seed']}: "
                                    f"80% of the lift regained within {TARGET_RECOVERY:,} impressions of the shift: "
                                    f"{_impressions(back)}", quick=quick))
        else:
            verdicts.append(verdict(ours["share"] >= TARGET_SHARE, f"{scenario.name}, seed {run['seed']}: share of "
                                    f"lift over {run['impressions']:,} impressions >= {TARGET_SHARE}: "
                                    f"{ours['share']:.3f}", quick=quick))
    return verdicts


def run(opts: Options) -> dict:
    section(f"7. How well it learns: simulated visitors through the HTTP API against Vowpal Wabbit and River "
            f"({opts.impressions:,} impressions, seeds {','.join(map(str, opts.seeds))})")
    out, verdicts, firsts = {}, [], []
    for scenario in SCENARIOS:
        runs = [run_one(opts, scenario, seed) for seed in opts.seeds]
        report(scenario, runs)
        verdicts += judge(scenario, runs, opts.quick)
        firsts.append(runs[0])
        out[scenario.name] = [{k: v for k, v in r.items() if k not in ("value", "chosen")} for r in runs]
    path = chart.draw(CHART if not opts.quick else opts.work_dir.parent / "learning-curves-quick.png", firsts)
    print(f"chart: {path}")
    return {"scenarios": out, "chart": str(path), "verdicts": verdicts}
