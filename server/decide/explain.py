"""'Why am I seeing this?': each decision's reason in words a visitor can read."""

from __future__ import annotations

import msgspec

from online_learning.features import describe_feature
from server.config.schema import Rule
from server.decide.rules import describe_condition
from server.decide.schemas import Explain, Factor

MAX_FACTORS = 3


def for_fallback(reason: str, policy: str) -> Explain:
    summaries = {
        "disabled": "Personalization is switched off for this part of the page, so you see the standard version.",
        "holdout": "You see the standard version: a small share of visitors always do, so the site can check "
                   "that personalization really helps.",
        "only_option": "This is the only version that fits right now, so everyone in your situation sees it.",
    }
    return Explain(reason=reason, summary=summaries[reason], policy=policy)


def for_rule(rule: Rule, policy: str) -> Explain:
    return Explain(
        reason="rule", rule=rule.name, policy=policy,
        summary=f"The site shows this when {describe_condition(rule)} (rule: “{rule.name}”).",
    )


def for_choice(
    *, policy: str, explored: bool, personalized: bool, contributions: list[tuple[str, float]], rule: Rule | None,
    signal: str | None = None,
) -> Explain:
    if not personalized:
        who = "Your browser's Global Privacy Control signal turned" if signal == "gpc" else "You turned"
        return Explain(reason="personalization_off", policy=policy, rule=rule.name if rule else None, signal=signal,
                       summary=f"{who} personalization off, so this choice uses nothing about you: "
                               "it is what most visitors respond to.")
    if policy in ("uniform", "fixed"):
        return Explain(reason="split", policy=policy, rule=rule.name if rule else None,
                       summary="The site is comparing versions of this part of the page; "
                               "this one was picked at random.")
    if explored:
        return Explain(reason="exploration", policy=policy, explored=True, rule=rule.name if rule else None,
                       summary="We are trying this version to learn what visitors like you prefer.")
    factors = [Factor(feature=f, label=describe_feature(f), weight=round(w, 4))
               for f, w in contributions if w > 0][:MAX_FACTORS]
    if factors and factors[0].feature != "bias":
        because = "; ".join(f.label for f in factors)
        summary = f"Chosen because {because}: visitors like you responded to it most."
    else:
        summary = "Chosen because it is what most visitors respond to."
    return Explain(reason="model", policy=policy, factors=factors, rule=rule.name if rule else None,
                   summary=summary)


def with_signal(why: Explain, signal: str | None) -> Explain:
    """Any explanation of a decision made under the browser's privacy signal names it."""
    if signal is None or why.signal == signal:
        return why
    return msgspec.structs.replace(why, signal=signal)
