"""Section 6: off-policy interval coverage on simulated logs with known truth, at full size.

The CI test (tests/online_learning/test_ope.py) runs 200 logs of 400 decisions; this runs more
logs, longer ones, and a thin exploration floor (large importance weights), where intervals
are hardest to get right.
"""

from __future__ import annotations

import time

import numpy as np

from tests.bench.common import Options, section, table, verdict
from tests.online_learning import simulated_bandit as sim

TARGET_COVERAGE = 0.90  # the bar for a nominal 95% interval
TARGETS = {
    "uniform": sim.uniform_policy(),
    "always a": sim.one_hot(np.zeros(4, dtype=np.intp)),
    "best": sim.best_policy(),
    "worst": sim.worst_policy(),
}
SETTINGS = (  # (decisions per log, exploration floor of the logging policy)
    (400, 0.2),
    (2000, 0.2),
    (2000, 0.05),
)


def run(opts: Options) -> dict:
    logs = 200 if opts.quick else 2000
    section(f"6. Off-policy evaluation: 95% interval coverage over {logs:,} simulated logs per setting")
    rows, out, verdicts = [], {}, []
    for decisions, floor in SETTINGS:
        started = time.perf_counter()
        runs = sim.simulate(runs=logs, n=decisions, seed=decisions + int(floor * 100),
                            propensities=sim.logging_propensities(floor=floor))
        found = sim.estimate_runs(runs, TARGETS)
        seconds = time.perf_counter() - started
        name = f"{decisions} decisions, floor {floor}"
        out[name] = {"seconds": round(seconds, 1)}
        for target, policy in TARGETS.items():
            truth = sim.true_value(policy)
            covered = {e: sim.coverage(found[e, target], truth) for e in sim.ESTIMATORS}
            widths = {e: float((found[e, target][:, 2] - found[e, target][:, 1]).mean()) for e in sim.ESTIMATORS}
            rows.append([name, target, truth, *covered.values(), *widths.values()])
            out[name][target] = {"truth": truth, "coverage": covered, "mean_width": widths}
        lowest = min(min(v["coverage"].values()) for k, v in out[name].items() if k != "seconds")
        verdicts.append(verdict(lowest >= TARGET_COVERAGE, f"{name}: lowest coverage {lowest:.3f} >= "
                                f"{TARGET_COVERAGE}", quick=opts.quick))
    print(table(["setting", "target", "truth", "IPS cover", "SNIPS cover", "DR cover", "IPS width", "SNIPS width",
                 "DR width"], rows))
    return {"logs": logs, "settings": out, "verdicts": verdicts}
