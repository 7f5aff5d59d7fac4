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
from online_learning.join import PendingDecision, RewardJoin
from online_learning.reward import reward
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
    """Feed the log through a reward join in order; returns examples per block and leaves sites' policies trained."""
    join = RewardJoin()
    logs = {block: BlockLog() for block in blocks}
    wanted: dict[str, DecisionRow] = {}

    def learn(closed: list[PendingDecision]) -> None:
        for decision in closed:
            policy = sites.policy_for(decision.site, decision.block)
            if policy is None:
                continue  # the block was removed from the configuration since
            earned = reward(decision.outcome, sites.weights_for(decision.site))
            policy.update(decision.variant, decision.features, earned)
            row = wanted.pop(decision.decision_id, None)
            if row is None:
                continue
            if row.holdout or row.reason in NOT_CHOSEN_BY_POLICY:
                logs[row.block].left_out += 1
                continue
            logs[row.block].examples.append(LoggedExample(
                decision.features, tuple(row.candidates), row.variant, row.propensity, earned,
            ))
            logs[row.block].features.append(decision.features)

    for row in rows:
        if isinstance(row, DecisionRow):
            learn(join.advance(row.decided_at))  # the log's own clock closes windows as the live learner's did
            join.add_decision(PendingDecision(
                row.decision_id, row.site, row.block, row.variant, row.learned_features(), row.decided_at,
                row.window_ms, row.feedback,
            ))
            if row.site == site and row.block in logs and row.decided_at >= since_ms:
                wanted[row.decision_id] = row
        elif row.decision_id is not None:
            learn(join.advance(row.received_at))
            learn(join.add_event(row.decision_id, row.type, row.value, at=row.received_at, site=row.site))
    learn(join.advance(int(time.time() * 1000) if now_ms is None else now_ms))
    for decision_id, row in wanted.items():
        pending = join.get(decision_id)
        if pending is not None and pending.impression_at is not None:
            logs[row.block].still_open += 1
    for policy in sites.policies.values():
        policy.refresh()
    return logs
