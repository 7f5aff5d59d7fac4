"""Held-out scenario families: how much of the oracle's lift Attune earns on worlds it was never tuned on.

`./dev bench --only scenarios` drives a real `attune serve` over HTTP for every family and held-out
seed, with Vowpal Wabbit (`--squarecb`, and VW's documented configuration for the family where there
is one) fed the same visitors with the same reward delay. For iteration, in-process and in parallel:

`python -m tests.bench.scenarios --inprocess --seeds training [--families 0,3] [--impressions 20000]
[--settings '{"pair_prior": 30}'] [--no-vw]`

Settings may be chosen on `--seeds training` only (scenario_worlds.TRAINING_SEEDS); the held-out seeds
are what the README reports.
"""

from __future__ import annotations

import argparse
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tests.bench.common import Options, section, table, verdict
from tests.bench.scenario_runs import ATTUNE, run_world
from tests.bench.scenario_worlds import FAMILIES, HELD_OUT_SEEDS, TRAINING_SEEDS, world

TARGET_SHARE, TARGET_RECOVERY, TARGET_BASE_RATE = 0.92, 5000, 0.02


def _cell(summary: dict, shifted: bool) -> str:
    text = f"{summary['share']:.3f}"
    if shifted:
        back = summary["recovery_to_80pct"]
        text += f" · back {'never' if back is None else f'{back:,}'}"
    return text


def report(runs: list[dict]) -> list[list[str]]:
    """One row per family and seed, then the family's mean share per learner."""
    names = sorted({name for r in runs for name in r["learners"]}, key=lambda n: (n != ATTUNE, n))
    rows = []
    for family in FAMILIES:
        mine = [r for r in runs if r["family"] == family.name]
        for r in mine:
            best_vw = max((s["share"] for n, s in r["learners"].items() if n != ATTUNE), default=None)
            cells = []
            for name in names:
                summary = r["learners"].get(name)
                cell = "" if summary is None else _cell(summary, family.change == "abrupt")
                if name == ATTUNE and best_vw is not None and summary["share"] >= best_vw:
                    cell = f"**{cell}**"
                cells.append(cell)
            rows.append([family.name if r is mine[0] else "", r["seed"], r["variants"], f"{r['base_rate']:.3f}",
                         r["attune_via"], *cells])
        if len(mine) > 1:
            means = [f"{sum(r['learners'][n]['share'] for r in mine) / len(mine):.3f}"
                     if all(n in r["learners"] for r in mine) else "" for n in names]
            rows.append(["", "mean", "", "", "", *means])
    print(table(["family", "seed", "variants", "base rate", "attune via", *names], rows))
    return rows


def judge(runs: list[dict], quick: bool) -> list[dict]:
    verdicts = []
    for r in runs:
        family = next(f for f in FAMILIES if f.name == r["family"])
        ours = r["learners"][ATTUNE]
        vws = {n: s for n, s in r["learners"].items() if n != ATTUNE}
        label = f"{r['family']}, seed {r['seed']}"
        if vws:
            name, best = max(vws.items(), key=lambda item: item[1]["share"])
            verdicts.append(verdict(ours["share"] >= best["share"], f"{label}: attune share {ours['share']:.3f} >= "
                                    f"{name} {best['share']:.3f}", quick=quick))
        if family.stationary and r["base_rate"] >= TARGET_BASE_RATE:
            verdicts.append(verdict(ours["share"] >= TARGET_SHARE, f"{label}: share >= {TARGET_SHARE}: "
                                    f"{ours['share']:.3f}", quick=quick))
        if family.change == "abrupt":
            back = ours["recovery_to_80pct"]
            verdicts.append(verdict(back is not None and back <= TARGET_RECOVERY, f"{label}: 80% of the lift back "
                                    f"within {TARGET_RECOVERY:,} impressions of the change: {back}", quick=quick))
    return verdicts


def collect(opts: Options, seeds: tuple[int, ...], families: list[int], *, inprocess: bool, settings: dict,
            with_vw: bool = True, workers: int = 1) -> list[dict]:
    jobs = [(opts, world(FAMILIES[f], seed), opts.impressions, inprocess, settings, with_vw)
            for f in families for seed in seeds]
    if workers <= 1:
        return [run_world(job) for job in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(run_world, jobs))


def run(opts: Options) -> dict:
    seeds = HELD_OUT_SEEDS[:1] if opts.quick else HELD_OUT_SEEDS
    section(f"Held-out scenario families through the HTTP API against Vowpal Wabbit ({opts.impressions:,} "
            f"impressions, held-out seeds {','.join(map(str, seeds))}; settings chosen on seeds "
            f"{','.join(map(str, TRAINING_SEEDS))} only)")
    runs = collect(opts, seeds, list(range(len(FAMILIES))), inprocess=False, settings={})
    report(runs)
    return {"runs": runs, "verdicts": judge(runs, opts.quick)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inprocess", action="store_true", help="Attune in-process instead of over HTTP")
    parser.add_argument("--seeds", default="training", help="'training', 'held-out' or a list of seeds")
    parser.add_argument("--families", default=",".join(str(i) for i in range(len(FAMILIES))))
    parser.add_argument("--impressions", type=int, default=50_000)
    parser.add_argument("--settings", default="{}", help="LinearThompson keyword arguments, as JSON (in-process)")
    parser.add_argument("--no-vw", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    seeds = {"training": TRAINING_SEEDS, "held-out": HELD_OUT_SEEDS}.get(args.seeds) or tuple(
        int(s) for s in args.seeds.split(","))
    import tempfile

    with tempfile.TemporaryDirectory(prefix="attune-scenarios-") as work_dir:
        opts = Options(quick=False, seeds=seeds, impressions=args.impressions, work_dir=Path(work_dir))
        runs = collect(opts, seeds, [int(f) for f in args.families.split(",")], inprocess=args.inprocess,
                       settings=json.loads(args.settings), with_vw=not args.no_vw,
                       workers=args.workers if args.inprocess else 1)
    report(runs)
    judge(runs, quick=False)
    if args.out:
        args.out.write_text(json.dumps(runs, indent=2, default=str))


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    main()
