"""In-process runs of Attune's contextual policy on the simulated visitors, for tuning on seeds the benchmark never uses.

`python -m tests.bench.tune --settings '{"memory": 2000}' --seeds 11,12,13 [--scenarios 0,1,2] [--vw]`
prints mean reward and share of the oracle's lift per scenario and seed (with VW --squarecb beside it
when asked). Rewards reach the policy as the reward join delivers them (`offline.simulate`); the HTTP
benchmark (`--only learning`, seeds 1-3) is where settings chosen here are checked.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor

from tests.bench import offline, peers, scores
from tests.bench.visitors import SCENARIOS, stream


def one(job: tuple[int, int, dict, float, int, bool]) -> str:
    scenario_index, seed, settings, refresh, impressions, with_vw = job
    scenario = SCENARIOS[scenario_index]
    visitors = stream(scenario, seed, impressions)
    learners = [peers.AttunePolicy(seed, **settings)]
    learners[0].refresh_interval = refresh
    if with_vw:
        learners.append(peers.VowpalWabbit("--squarecb", seed))
    cells = []
    for learner in learners:
        result = scores.summary(offline.simulate(learner, visitors, scenario.variant_ids), visitors.value,
                                visitors.shift_at)
        getattr(learner, "close", lambda: None)()
        after = f", after shift {result['after_shift_share']:.3f}" if scenario.shift else ""
        cells.append(f"{learner.name}: {result['mean_reward']:.4f} (share {result['share']:.3f}{after})")
    return f"{scenario.name}, seed {seed}: " + " | ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="{}", help="LinearThompson keyword arguments, as JSON")
    parser.add_argument("--seeds", default="11,12,13", help="population seeds (keep 1-3 for the benchmark)")
    parser.add_argument("--scenarios", default="0,1,2", help="indices into visitors.SCENARIOS")
    parser.add_argument("--refresh", type=float, default=peers.ATTUNE_REFRESH, help="seconds between publishes")
    parser.add_argument("--impressions", type=int, default=50_000)
    parser.add_argument("--vw", action="store_true", help="also run VW --squarecb on the same visitors")
    args = parser.parse_args()
    settings = json.loads(args.settings)
    jobs = [(int(s), int(seed), settings, args.refresh, args.impressions, args.vw)
            for s in args.scenarios.split(",") for seed in args.seeds.split(",")]
    with ProcessPoolExecutor(2) as pool:  # two cores: one run each
        for line in pool.map(one, jobs):
            print(line, flush=True)


if __name__ == "__main__":
    main()
