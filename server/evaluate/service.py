"""What would each candidate policy have earned on a site's logged traffic, block by block."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from online_learning.evaluation import (
    Estimate, LoggedDecisions, PolicyValue, always, current_policy, evaluate_policies, mean_reward, uniform,
)
from server.config.schema import Block, Config
from server.evaluate.replay import BlockLog, replay
from server.sites import SiteRegistry
from server.storage.rows import DecisionRow, EventRow

FEW_EFFECTIVE_DECISIONS = 30  # below this, an interval from a normal approximation is a rough guide at best


@dataclass(frozen=True, slots=True)
class BlockReport:
    block: str
    policy: str  # the block's configured policy kind
    decisions: int  # learned decisions the estimates rest on
    left_out: int  # holdout and disabled-block decisions: the fallback was shown whatever the policy said
    logged: Estimate | None  # what the traffic actually earned per decision
    values: list[PolicyValue]
    notes: list[str]


def evaluate_site(
    *, rows: Iterable[DecisionRow | EventRow], config: Config, site: str, blocks: Sequence[str] = (),
    since_ms: int = 0, now_ms: int | None = None,
) -> list[BlockReport]:
    """Replay the log, then estimate uniform, every fixed variant and the current policy acting greedily.

    Raises UnknownSite or UnknownBlock (from server.sites) for names the configuration lacks.
    """
    sites = SiteRegistry(config)  # fresh policies: the replay trains them as the live learner did
    chosen = [sites.block(site, b).id for b in blocks] or [b.id for b in sites.site(site).blocks]
    logs = replay(rows, sites=sites, site=site, blocks=chosen, since_ms=since_ms, now_ms=now_ms)
    return [_block_report(sites, site, sites.block(site, block), logs[block]) for block in chosen]


def _block_report(sites: SiteRegistry, site: str, block: Block, log: BlockLog) -> BlockReport:
    waiting = [f"{log.still_open} seen decisions are still inside their reward window and not counted yet"
               ] if log.still_open else []
    if not log.examples:
        notes = ["no learned decisions to evaluate", *waiting]
        return BlockReport(block.id, block.policy, 0, log.left_out, None, [], notes)
    configured = [v.id for v in block.variants]
    retired = dict.fromkeys(c for e in log.examples for c in e.candidates if c not in configured)  # since removed
    data = LoggedDecisions.from_examples(log.examples, actions=[*configured, *retired])
    policy = sites.policy_for(site, block.id)
    greedy = hasattr(policy, "expected_rewards")
    targets = {"uniform": uniform(data)}
    for variant in configured:
        targets[f"always {variant}" + (" (fallback)" if variant == block.fallback else "")] = always(data, variant)
    targets["current policy, greedy" if greedy else "current policy"] = current_policy(policy, data, log.features)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = evaluate_policies(data, targets)
    notes = [*waiting, *dict.fromkeys(str(w.message) for w in caught)]
    thin = [v.policy for v in values if v.ips.ess < FEW_EFFECTIVE_DECISIONS]
    if thin:
        notes.append(f"fewer than {FEW_EFFECTIVE_DECISIONS} effective decisions for: {', '.join(thin)}; "
                     "treat those intervals as rough")
    return BlockReport(block.id, block.policy, data.size, log.left_out, mean_reward(data), values, notes)


def report_json(*, site: str, since_ms: int, reports: list[BlockReport]) -> dict:
    """Plain data for `--json`; an estimate that cannot be made is null."""

    def estimate(value: Estimate | None) -> dict | None:
        return None if value is None else {k: None if isinstance(v, float) and math.isnan(v) else v
                                           for k, v in asdict(value).items()}

    return {
        "site": site,
        "since_ms": since_ms or None,
        "blocks": [{
            "block": r.block, "policy": r.policy, "decisions": r.decisions, "left_out": r.left_out,
            "logged": estimate(r.logged), "notes": r.notes,
            "policies": [{"policy": v.policy, "ips": estimate(v.ips), "snips": estimate(v.snips), "dr": estimate(v.dr)}
                         for v in r.values],
        } for r in reports],
    }
