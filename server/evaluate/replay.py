"""Replay the log as the learner does: join decisions with their rewards, train the policies, keep the examples.

Every learned decision trains its block's policy (so the policy ends as the live one did);
those the estimators may use are kept as examples: the chosen site and blocks, decided
since the cut-off, and chosen by the policy. Holdout and disabled-block decisions always show
the fallback whatever the policy says, so no policy's value can be read from them.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from online_learning.evaluation import LoggedExample
from online_learning.join import PendingDecision
from online_learning.learner import OnlineLearner
from server.learner.learn import learn_row
from server.sites import SiteRegistry
from server.storage.rows import DecisionRow, EventRow

NOT_CHOSEN_BY_POLICY = ("holdout", "disabled")


@dataclass(slots=True)
class BlockLog:
    """One block's evaluable examples, with the features each decision used, and what was left out."""

    examples: list[LoggedExample] = field(default_factory=list)
    features: list[tuple[str, ...]] = field(default_factory=list)
    left_out: int = 0  # learned, but shown the fallback regardless of the policy (holdout, disabled)
    still_open: int = 0  # seen, but their reward window has not closed yet: not learned, not counted


def replay(
    rows: Iterable[DecisionRow | EventRow], *, sites: SiteRegistry, site: str, blocks: Collection[str],
    since_ms: int = 0, now_ms: int | None = None,
) -> dict[str, BlockLog]:
    """Feed the log through the learner's path, in order; returns examples per block, leaves sites' policies trained."""
    logs = {block: BlockLog() for block in blocks}
    wanted: dict[str, DecisionRow] = {}

    def keep(decision: PendingDecision, earned: float) -> None:
        row = wanted.pop(decision.decision_id, None)
        if row is None:
            return
        if row.holdout or row.reason in NOT_CHOSEN_BY_POLICY:
            logs[row.block].left_out += 1
            return
        logs[row.block].examples.append(LoggedExample(
            decision.features, tuple(row.candidates), row.variant, row.propensity, earned,
        ))
        logs[row.block].features.append(decision.features)

    learner = OnlineLearner(policy_for=sites.policy_for, weights_for=sites.weights_for, on_learn=keep)
    for row in rows:
        if isinstance(row, DecisionRow) and row.site == site and row.block in logs and row.decided_at >= since_ms:
            wanted[row.decision_id] = row
        learn_row(learner, row)
    learner.advance(int(time.time() * 1000) if now_ms is None else now_ms)
    for decision_id, row in wanted.items():
        pending = learner.join.get(decision_id)
        if pending is not None and pending.impression_at is not None:
            logs[row.block].still_open += 1
    for policy in sites.policies.values():
        policy.refresh()
    return logs
