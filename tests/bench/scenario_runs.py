"""One scenario world, run: Attune (over HTTP or in-process) and Vowpal Wabbit on the very same visitors.

VW learns in-process from the same visitors, each choice's reward delivered when its reward
window closes (`offline.simulate`), as Attune's reward join delivers it.
"""

from __future__ import annotations

import time

import numpy as np

from tests.bench import learning, loadgen, offline, peers, scores, visitor_load
from tests.bench.common import Options, attune
from tests.bench.scenario_worlds import Family, World, stream
from tests.bench.visitors import REWARD_WINDOW

ATTUNE, SQUARECB = "attune", "vw squarecb"
# VW's documented advice for a kind of world, where there is one beyond the default squarecb:
# cubic interactions (`--cubic`) where tastes depend on pairs of fields; a learning rate that never
# decays (`--power_t 0`) where the world does not stand still.
VW_DOCUMENTED = {"interaction-heavy": "--squarecb --cubic UUA", "gradual drift": "--squarecb --power_t 0",
                 "abrupt change": "--squarecb --power_t 0"}


def vw_configurations(family: Family) -> dict[str, str]:
    configurations = {SQUARECB: "--squarecb"}
    if family.name in VW_DOCUMENTED:
        configurations["vw documented"] = VW_DOCUMENTED[family.name]
    return configurations


def _attune_http(opts: Options, world: World, visitors) -> tuple[np.ndarray, dict]:
    config = learning.write_config(opts.work_dir / f"scenario-{world.variants}.toml", world)
    with attune(opts.work_dir, f"scenario-{world.family.name.replace(' ', '-')}-{world.seed}", config=config) as server:
        http = loadgen.run(visitor_load.drive(server.port, visitors, world.variant_ids,
                                              site=learning.SITE, block=learning.BLOCK))
        time.sleep(REWARD_WINDOW + 1.0)
        learned = server.health()["learned"]
    answered = http["chosen"] >= 0
    return np.where(answered, http["chosen"], 0), {"answered": int(answered.sum()), "failed": http["failed"],
                                                   "learned": learned, "seconds": round(http["seconds"], 1)}


def run_world(job: tuple) -> dict:
    """(opts, world, impressions, inprocess, settings, with_vw) → the scores of every learner on that world."""
    opts, world, impressions, inprocess, settings, with_vw = job
    visitors = stream(world, impressions)
    variants = world.variant_ids
    chosen, meta = {}, {}
    if inprocess:
        chosen[ATTUNE] = offline.simulate(peers.AttunePolicy(world.seed, **settings), visitors, variants)
    else:
        chosen[ATTUNE], meta = _attune_http(opts, world, visitors)
    for name, exploration in (vw_configurations(world.family).items() if with_vw else ()):
        vw = peers.VowpalWabbit(exploration, world.seed)
        chosen[name] = offline.simulate(vw, visitors, variants)
        vw.close()
    return {"family": world.family.name, "seed": world.seed, "variants": world.variants,
            "base_rate": round(world.base_rate, 4), "impressions": impressions,
            "attune_via": "in-process" if inprocess else "HTTP", **meta,
            "oracle": float(visitors.value.max(axis=1).mean()), "uniform": float(visitors.value.mean(axis=1).mean()),
            "learners": {name: scores.summary(c, visitors.value, visitors.shift_at) for name, c in chosen.items()},
            "vw_args": vw_configurations(world.family) if with_vw else {}}
