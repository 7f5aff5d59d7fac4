"""Decide: for each block, the variant this visitor should see, with its exact propensity."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import orjson

from online_learning.exploration import best, draw, with_floor
from online_learning.features import context_features
from server.config.schema import Block, Site
from server.decide import explain
from server.decide.rules import apply_rules
from server.decide.schemas import Decision, DecideRequest, DecideResponse, Explain
from server.feedback.suppression import SuppressionStore
from server.sites import SiteRegistry
from server.storage.rows import DecisionRow, new_decision_id

LEARNING_POLICIES = ("thompson", "contextual")  # the exploration floor applies to these


@dataclass(slots=True)
class DecideDeps:
    sites: SiteRegistry
    log_decision: Callable[[DecisionRow], None]
    suppression: SuppressionStore
    visitor_key: bytes
    policy_version: Callable[[], int]
    rng: np.random.Generator


def visitor_hash(key: bytes, site: str, visitor: str) -> str:
    """The server never stores a visitor id, only this keyed hash of it."""
    return hmac.digest(key, f"{site}:{visitor}".encode(), "sha256")[:16].hex()  # one-shot: the C fast path


def in_holdout(hashed_visitor: str | None, share: float, rng: np.random.Generator) -> bool:
    if share <= 0:
        return False
    if hashed_visitor is None:
        return bool(rng.random() < share)  # anonymous: per decision, as no assignment can be kept
    return int(hashed_visitor[:8], 16) / 0x1_0000_0000 < share  # sticky for a known visitor


def decide(*, request: DecideRequest, deps: DecideDeps) -> DecideResponse:
    site = deps.sites.site(request.site)
    blocks = [deps.sites.block(site.key, block_id) for block_id in dict.fromkeys(request.blocks)]
    hashed = visitor_hash(deps.visitor_key, site.key, request.visitor) if request.visitor else None
    holdout = in_holdout(hashed, site.holdout_share, deps.rng)
    facts = {**request.context, **request.traits}
    used = {**request.context, **{f"trait_{k}": v for k, v in request.traits.items()}} if request.personalization else {}
    features = context_features(used)
    logged_context = orjson.dumps(used).decode()
    now = time.time_ns() // 1_000_000
    return DecideResponse([
        _decide_block(site=site, block=block, deps=deps, hashed=hashed, holdout=holdout, facts=facts,
                      features=features, logged_context=logged_context, personalized=request.personalization, now=now)
        for block in blocks
    ], consent=site.consent)


def _decide_block(
    *, site: Site, block: Block, deps: DecideDeps, hashed: str | None, holdout: bool, facts: dict,
    features: tuple[str, ...], logged_context: str, personalized: bool, now: int,
) -> Decision:
    policy = deps.sites.policy_for(site.key, block.id)
    candidates = [v.id for v in block.variants]
    chosen, propensity, explored = block.fallback, 1.0, False
    if not block.enabled:
        why = explain.for_fallback("disabled", block.policy)
    elif holdout:
        why = explain.for_fallback("holdout", block.policy)
    else:
        candidates, rule = apply_rules(block.rules, facts, candidates)
        if rule is not None and rule.force is not None:
            chosen, why = rule.force, explain.for_rule(rule, block.policy)
        else:
            if hashed is not None:
                rated_down = deps.suppression.suppressed(site=site.key, visitor=hashed, block=block.id)
                candidates = [c for c in candidates if c not in rated_down] or [block.fallback]
            chosen, propensity, explored, why = _choose(block, policy, candidates, features, personalized, deps, rule)
    decision_id = new_decision_id(now)
    deps.log_decision(DecisionRow(
        decision_id=decision_id, site=site.key, block=block.id, variant=chosen, candidates=candidates,
        propensity=propensity, policy=block.policy, policy_version=deps.policy_version(), context=logged_context,
        explored=explored, holdout=holdout, reason=why.reason, summary=why.summary, visitor=hashed,
        window_ms=site.reward_window * 1000, feedback=None if block.feedback == "none" else block.feedback,
        decided_at=now, features=features,
    ))
    return Decision(
        block=block.id, decision_id=decision_id, variant=chosen, content=deps.sites.content(site.key, block.id, chosen),
        propensity=propensity, explain=why, feedback=None if block.feedback == "none" else block.feedback,
    )


def _choose(block, policy, candidates, features, personalized, deps, rule) -> tuple[str, float, bool, Explain]:
    if len(candidates) == 1:
        why = explain.for_rule(rule, block.policy) if rule else explain.for_fallback("only_option", block.policy)
        return candidates[0], 1.0, False, why
    raw = policy.probabilities(candidates, features).tolist()
    learning = block.policy in LEARNING_POLICIES
    probabilities = with_floor(raw, block.exploration) if learning else raw
    index = draw(probabilities, deps.rng)
    chosen = candidates[index]
    # explored: the policy did not think this the most likely best, or was not yet sure (under even odds)
    explored = learning and (index != best(raw) or raw[index] < 0.5)
    contributions = policy.contributions(chosen, features) if learning and not explored else []
    why = explain.for_choice(policy=block.policy, explored=explored, personalized=personalized,
                             contributions=contributions, rule=rule)
    return chosen, probabilities[index], explored, why
