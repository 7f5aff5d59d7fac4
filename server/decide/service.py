"""Decide: for each block, the variant this visitor should see, with its exact propensity."""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import numpy as np
import orjson

from online_learning.exploration import best, draw, with_floor
from online_learning.features import context_features
from server.config.schema import Block, Rule, Site
from server.counters.context import learned_context
from server.counters.tally import VisitorCounters
from server.decide import explain
from server.decide.rules import apply_rules
from server.decide.schemas import ContextValue, Decision, DecideRequest, DecideResponse, Explain, PrivacyHints
from server.decide.sticky import FirstPages, MemoryStickyStore, Shown, StickyStore, Unclaimed, sticky_ms
from server.feedback.suppression import SuppressionStore
from server.sites import SiteRegistry
from server.storage.rows import DecisionRow, new_decision_id

LEARNING_POLICIES = ("thompson", "contextual")  # the exploration floor applies to these


def _no_interests(site: str, visitor: str) -> tuple[str, ...]:
    return ()


def _no_traits(site: str, visitor: str) -> dict:
    return {}


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(slots=True)
class DecideDeps:
    sites: SiteRegistry
    log_decision: Callable[[DecisionRow], None]
    suppression: SuppressionStore
    visitor_key: bytes
    policy_version: Callable[[], int]
    rng: np.random.Generator
    interests: Callable[[str, str], tuple[str, ...]] = _no_interests  # (site, visitor hash) -> chosen, in memory
    profile_traits: Callable[[str, str], dict] = _no_traits  # (site, visitor hash) -> traits from profile answers
    sticky: StickyStore = field(default_factory=MemoryStickyStore)  # what each known visitor was shown lately
    clock_ms: Callable[[], int] = wall_clock_ms  # injectable: a test moves time past a session
    first_pages: FirstPages = field(default_factory=FirstPages)  # anonymous decisions a new visitor may claim
    logged: Callable[[], Awaitable[None]] | None = None  # scaled mode: awaited before answering (server/scaled)
    counters: VisitorCounters | None = None  # behavioural counters of visitors with an id; None: not counted


def visitor_hash(key: bytes, site: str, visitor: str) -> str:
    """The server never stores a visitor id, only this keyed hash of it."""
    return hmac.digest(key, f"{site}:{visitor}".encode(), "sha256")[:16].hex()  # one-shot: the C fast path


def in_holdout(hashed_visitor: str | None, share: float, rng: np.random.Generator) -> bool:
    if share <= 0:
        return False
    if hashed_visitor is None:
        return bool(rng.random() < share)  # anonymous: per decision, as no assignment can be kept
    return int(hashed_visitor[:8], 16) / 0x1_0000_0000 < share  # sticky for a known visitor


def privacy_signal(site: Site, request: DecideRequest, gpc: bool) -> str | None:
    """The signal that turns personalization off, if any: the browser's Global Privacy Control ("gpc") on a site
    that asks for consent, unless the visitor explicitly allowed personalization there."""
    return "gpc" if gpc and site.consent != "none" and not request.consented else None


def accepted_traits(traits: dict[str, ContextValue], accepted: list[str] | None) -> tuple[dict, list[str]]:
    """The traits the site accepts, and a warning naming each one dropped (data minimisation)."""
    if accepted is None or not traits:
        return traits, []
    dropped = [name for name in traits if name not in accepted]
    if not dropped:
        return traits, []
    return ({k: v for k, v in traits.items() if k in accepted},
            [f"traits.{name}: not among the site's accepted_traits; dropped" for name in dropped])


def decide(*, request: DecideRequest, deps: DecideDeps, gpc: bool = False) -> DecideResponse:
    """`gpc`: the request carried `Sec-GPC: 1`; then, unless `consented`, nothing about the visitor is used or kept."""
    site = deps.sites.site(request.site)
    blocks = [deps.sites.block(site.key, block_id) for block_id in dict.fromkeys(request.blocks)]
    signal = privacy_signal(site, request, gpc)
    personalized = request.personalization and signal is None
    hashed = visitor_hash(deps.visitor_key, site.key, request.visitor) if request.visitor and not signal else None
    holdout = in_holdout(hashed, site.holdout_share, deps.rng)
    traits, warnings = accepted_traits(request.traits, site.privacy.accepted_traits)
    interests = deps.interests(site.key, hashed) if personalized and hashed is not None else ()
    if interests:
        traits = {**traits, **{f"interest_{interest}": True for interest in interests}}
    answered = deps.profile_traits(site.key, hashed) if personalized and hashed is not None else {}
    if answered:  # a profile answer: a trait like one the site sends; a new answer is a new decision
        traits = {**traits, **answered}
        interests = (*interests, *(f"{name}={value}" for name, value in sorted(answered.items())))
    now = deps.clock_ms()
    counted = (deps.counters.observe(site.key, hashed, page=request.context.get("page"), now=now)
               if deps.counters is not None and personalized and hashed is not None else {})  # this page view counted
    facts = {**request.context, **traits, **counted}  # rules compare exact counts
    used = ({**request.context, **{f"trait_{k}": v for k, v in traits.items()}, **learned_context(counted)}
            if personalized else {})  # the policy learns from bucketed counts, logged with the decision for replay
    features = context_features(used)
    logged_context = orjson.dumps(used).decode()
    decisions = [
        _decide_block(site=site, block=block, deps=deps, hashed=hashed, holdout=holdout, interests=interests,
                      facts=facts, features=features, logged_context=logged_context, personalized=personalized, now=now,
                      signal=signal)
        for block in blocks
    ]
    if hashed is None and personalized and deps.counters is not None:  # counted once the visitor has an id
        deps.counters.note_first_page(site.key, [d.decision_id for d in decisions], page=request.context.get("page"))
    privacy = site.privacy
    hints = PrivacyHints(banner=privacy.banner, sources=privacy.sources, policy_version=privacy.policy_version,
                         surveys=any(survey.enabled for survey in site.surveys))
    return DecideResponse(decisions=decisions, privacy=hints, warnings=warnings, consent=site.consent)


def _decide_block(
    *, site: Site, block: Block, deps: DecideDeps, hashed: str | None, holdout: bool, interests: tuple[str, ...],
    facts: dict, features: tuple[str, ...], logged_context: str, personalized: bool, now: int, signal: str | None,
) -> Decision:
    live = block.enabled and not holdout  # else the fallback is shown, whatever the rules say
    variants = [v.id for v in block.variants]
    candidates, rule = apply_rules(block.rules, facts, variants) if live else (variants, None)
    rated_down = deps.suppression.suppressed(site=site.key, visitor=hashed, block=block.id) if hashed else frozenset()
    stays_ms = sticky_ms(block) if hashed is not None and personalized else 0  # anonymous: a page keeps its own
    if stays_ms:
        shown = deps.sticky.recall(site=site.key, visitor=hashed, block=block.id, now=now)
        if shown is not None and _still_fits(shown, block=block, holdout=holdout, interests=interests,
                                             candidates=candidates if live else variants, rated_down=rated_down):
            if block.sticky == "session" or shown.block is not block:  # a session lasts while the visitor returns
                expires_at = now + stays_ms if block.sticky == "session" else shown.expires_at
                deps.sticky.remember(site=site.key, visitor=hashed, block=block.id,
                                     shown=Shown(shown.decision, block, holdout, interests, expires_at))
            return shown.decision  # the original: no new row, so it is learned and evaluated once
    decision = _decide_anew(site=site, block=block, deps=deps, hashed=hashed, holdout=holdout,
                            candidates=candidates, rule=rule, rated_down=rated_down, features=features,
                            logged_context=logged_context, personalized=personalized, now=now, signal=signal)
    if stays_ms:
        deps.sticky.remember(site=site.key, visitor=hashed, block=block.id,
                             shown=Shown(decision, block, holdout, interests, now + stays_ms))
    elif hashed is None and personalized and sticky_ms(block):
        deps.first_pages.note(Unclaimed(site.key, decision, block, holdout, now), decision_id=decision.decision_id)
    return decision


def claim_first_page(deps: DecideDeps, *, site: str, visitor: str, decision_ids: list[str]) -> int:
    """A visitor's impressions of decisions made before they had an id: those decisions become their sticky
    ones (where nothing is sticky yet), as if decided for them. How many were claimed."""
    now, claimed = deps.clock_ms(), 0
    hashed = visitor_hash(deps.visitor_key, site, visitor)
    if deps.counters is not None:  # that first page was a page view of theirs
        deps.counters.claim_first_page(site, hashed, decision_ids, now=now)
    for decision_id in decision_ids:
        found = deps.first_pages.claim(decision_id, site=site, now=now)
        if found is None or found.holdout or deps.sticky.recall(site=site, visitor=hashed, block=found.block.id,
                                                                now=now) is not None:
            continue  # a holdout side was drawn for the anonymous page: the visitor's own is drawn by their hash
        if in_holdout(hashed, deps.sites.site(site).holdout_share, deps.rng):
            continue  # the visitor's own side is the holdout: their next page shows its fallback, as it should
        interests = deps.interests(site, hashed)
        deps.sticky.remember(site=site, visitor=hashed, block=found.block.id, shown=Shown(
            found.decision, found.block, False, interests, found.decided_at + sticky_ms(found.block)))
        claimed += 1
    return claimed


def _still_fits(shown: Shown, *, block: Block, holdout: bool, interests: tuple[str, ...], candidates: list[str],
                rated_down: frozenset[str]) -> bool:
    """The same block configuration, holdout side and chosen interests as then, and a variant the rules still
    allow and the visitor has not rated down since."""
    variant = shown.decision.variant
    same_block = shown.block is block or shown.block == block
    return (same_block and shown.holdout == holdout and shown.interests == interests
            and variant in candidates and variant not in rated_down)


def _decide_anew(
    *, site: Site, block: Block, deps: DecideDeps, hashed: str | None, holdout: bool, candidates: list[str],
    rule: Rule | None, rated_down: frozenset[str], features: tuple[str, ...], logged_context: str, personalized: bool,
    now: int, signal: str | None,
) -> Decision:
    policy = deps.sites.policy_for(site.key, block.id)
    chosen, propensity, explored = block.fallback, 1.0, False
    if not block.enabled:
        why = explain.for_fallback("disabled", block.policy)
    elif holdout:
        why = explain.for_fallback("holdout", block.policy)
    elif rule is not None and rule.force is not None:
        chosen, why = rule.force, explain.for_rule(rule, block.policy)
    else:
        candidates = [c for c in candidates if c not in rated_down] or [block.fallback]
        chosen, propensity, explored, why = _choose(block, policy, candidates, features, personalized, deps, rule,
                                                    signal)
    why = explain.with_signal(why, signal)
    why = explain.in_visitor_words(why, site.explain_labels)  # the site's words for values, counters said as counts
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


def shares(block: Block, policy, candidates: list[str], features: tuple[str, ...]) -> tuple[list[float], list[float]]:
    """The policy's own probabilities for the candidates, and those it draws by (with the exploration floor)."""
    raw = policy.probabilities(candidates, features).tolist()
    return raw, with_floor(raw, block.exploration) if block.policy in LEARNING_POLICIES else raw


def _choose(block, policy, candidates, features, personalized, deps, rule, signal) -> tuple[str, float, bool, Explain]:
    if len(candidates) == 1:
        why = explain.for_rule(rule, block.policy) if rule else explain.for_fallback("only_option", block.policy)
        return candidates[0], 1.0, False, why
    raw, probabilities = shares(block, policy, candidates, features)
    learning = block.policy in LEARNING_POLICIES
    index = draw(probabilities, deps.rng)
    chosen = candidates[index]
    # explored: the policy did not think this the most likely best, or was not yet sure (under even odds)
    explored = learning and (index != best(raw) or raw[index] < 0.5)
    contributions = policy.contributions(chosen, features) if learning and not explored else []
    why = explain.for_choice(policy=block.policy, explored=explored, personalized=personalized,
                             contributions=contributions, rule=rule, signal=signal)
    return chosen, probabilities[index], explored, why
