"""The scaled section's sites, and the policy section's simulated visitors through embedded mode and two edges.

One config serves every process of the section: the demo site with sticky variants off (the decide rows),
`pk_sim1` and `pk_sim2`, each the site the policy section writes (one learning run of each mode apiece), and
`pk_fresh`, one more copy (freshness samples must not teach a simulated site anything).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import httpx
import numpy as np

from tests.bench import learning, loadgen, scores, visitor_load
from tests.bench.decide import fresh_decisions_config
from tests.bench.visitors import REWARD_WINDOW, SCENARIOS, stream

SCENARIO = SCENARIOS[0]  # stationary, 4 variants
FRESH_SITE = "pk_fresh"
SIM_SITES = ("pk_sim1", "pk_sim2")  # each mode runs the visitors twice, each time on a site that learned nothing yet
NOISE_SE = 3.0  # the tolerance is never below this many standard errors of a difference of two means over the visitors
RANGE_TO_SD = 1.128  # the expected range of two normal draws, in standard deviations


def section_config(work_dir: Path) -> Path:
    demo = fresh_decisions_config(work_dir).read_text()
    sim = learning.write_config(work_dir / "scaled-sim.toml", SCENARIO).read_text()
    copies = [sim.replace(f'key = "{learning.SITE}"', f'key = "{key}"') for key in (*SIM_SITES, FRESH_SITE)]
    path = work_dir / "scaled.toml"
    path.write_text("\n".join([demo, *copies]))
    return path


def visitors(impressions: int, seed: int):
    return stream(SCENARIO, seed, impressions)


def drive(ports: list[int], health_url: str, simulated, *, site: str) -> dict:
    """The simulated visitors through decide and events, spread over `ports`; share of the oracle's lift."""
    http = loadgen.run(visitor_load.drive(ports if len(ports) > 1 else ports[0], simulated, SCENARIO.variant_ids,
                                          site=site, block=learning.BLOCK))
    time.sleep(REWARD_WINDOW + 1.0)  # the last windows close and are learned
    learned = httpx.get(f"{health_url}/healthz", timeout=5).json()["learned"]
    chosen = np.where(http["chosen"] >= 0, http["chosen"], 0)  # an unanswered visitor saw the fallback, v1
    earned = simulated.value[np.arange(len(chosen)), chosen]
    return {"share": scores.share(earned, simulated.value), "earned": earned, "failed": http["failed"],
            "learned": learned, "behind_s": round(http["behind_s"], 3), "seconds": round(http["seconds"], 1)}


def within_noise(embedded: list[dict], scaled: list[dict], value: np.ndarray) -> tuple[float, float]:
    """(mean scaled share - mean embedded share, the tolerance).

    The tolerance is two standard deviations of that difference, the run-to-run deviation estimated from the
    spread between the two runs of each mode (same visitors, so what differs is the servers' own randomness and
    timing), and never below NOISE_SE standard errors of the visitors' sampling.
    """
    mean = lambda runs: sum(r["share"] for r in runs) / len(runs)  # noqa: E731
    spread = [max(r["share"] for r in runs) - min(r["share"] for r in runs) for runs in (embedded, scaled)]
    run_sd = sum(spread) / len(spread) / RANGE_TO_SD
    difference_sd = run_sd * math.sqrt(1 / len(embedded) + 1 / len(scaled))
    lift = value.max(axis=1).mean() - value.mean(axis=1).mean()
    sampling = math.sqrt(embedded[0]["earned"].var() / len(value) + scaled[0]["earned"].var() / len(value)) / lift
    return mean(scaled) - mean(embedded), max(2 * difference_sd, NOISE_SE * sampling)
