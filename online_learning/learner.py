"""The learning loop over a log: decisions and events in, policy updates out, state to snapshot.

The server feeds it rows as they are committed; a replay feeds it the same rows from
the log. Both end in the same policies, which is what makes snapshots plus replay safe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from online_learning.join import PendingDecision, RewardJoin
from online_learning.policies.base import Policy
from online_learning.reward import RewardWeights, reward


class OnlineLearner:
    """Route joined examples to the policy of their block, once each.

    >>> from online_learning.policies import BetaThompson
    >>> policy = BetaThompson(seed=0)
    >>> learner = OnlineLearner(policy_for=lambda site, block: policy, weights_for=lambda site: RewardWeights())
    >>> learner.add_decision(PendingDecision("d1", "pk", "hero", "v1", ("bias",), decided_at=0, window_ms=500))
    >>> learner.add_event("d1", "impression", None, at=10)
    >>> learner.add_event("d1", "rating", 1, at=20)     # a rating closes the window early
    >>> learner.learned, policy.state()
    (1, {'v1': [2, 1]})
    """

    def __init__(
        self,
        *,
        policy_for: Callable[[str, str], Policy | None],
        weights_for: Callable[[str], RewardWeights],
        join: RewardJoin | None = None,
        on_learn: Callable[[PendingDecision, float], None] | None = None,
    ) -> None:
        self.policy_for = policy_for
        self.weights_for = weights_for
        self.on_learn = on_learn  # told of each decision a policy learned from, with the reward it earned
        self.join = join if join is not None else RewardJoin()  # an empty join is falsy (it has __len__)
        self.learned = 0
        self.last_seq = 0  # the log position everything up to which has been processed

    def add_decision(self, decision: PendingDecision) -> None:
        self.join.add_decision(decision)

    def add_event(self, decision_id: str, kind: str, value: float | None, *, at: int, site: str | None = None) -> None:
        """Join one event; `site`, the site it was sent for, keeps it from teaching another site's policy."""
        for decision in self.join.add_event(decision_id, kind, value, at=at, site=site):
            self._learn(decision)

    def advance(self, now: int) -> None:
        for decision in self.join.advance(now):
            self._learn(decision)

    def _learn(self, decision: PendingDecision) -> None:
        policy = self.policy_for(decision.site, decision.block)
        if policy is None:
            return  # the block was removed from the configuration since
        earned = reward(decision.outcome, self.weights_for(decision.site))
        policy.update(decision.variant, decision.features, earned)
        self.learned += 1
        if self.on_learn is not None:
            self.on_learn(decision, earned)

    def state(self, policies: dict[str, Policy]) -> dict[str, Any]:
        """Everything needed to continue after a restart, given the live policies keyed 'site/block'."""
        return {
            "last_seq": self.last_seq,
            "learned": self.learned,
            "join": self.join.state(),
            "policies": {key: {"kind": p.kind, "state": p.state()} for key, p in policies.items()},
        }

    def load_state(self, state: dict[str, Any], policies: dict[str, Policy]) -> None:
        self.last_seq = state["last_seq"]
        self.learned = state["learned"]
        self.join.load_state(state["join"])
        for key, saved in state["policies"].items():
            policy = policies.get(key)
            if policy is not None and policy.kind == saved["kind"]:
                policy.load_state(saved["state"])
