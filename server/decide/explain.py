"""'Why am I seeing this?': each decision's reason as a code plus the factors as field/value pairs (which the
widget says in the page's language), and an English summary of the same for logs, the admin and old clients."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from online_learning.features import BIAS, describe_feature, feature_fields
from server.config.schema import Comparison, ConditionValue, Rule
from server.counters.context import condition_in_words, in_words
from server.decide.rules import describe_conditions
from server.decide.schemas import Explain, Factor, FactorField

MAX_FACTORS = 3

# the English for each reason code; the model's sentence takes its factors, a rule's its condition
SUMMARIES = {
    "disabled": "Personalization is switched off for this part of the page, so you see the standard version.",
    "holdout": "You see the standard version: a small share of visitors always do, so the site can check "
               "that personalization really helps.",
    "only_option": "This is the only version that fits right now, so everyone in your situation sees it.",
    "split": "The site is comparing versions of this part of the page; this one was picked at random.",
    "exploration": "We are trying this version to learn what visitors like you prefer.",
    "personalization_off": "You turned personalization off, so this choice uses nothing about you: "
                           "it is what most visitors respond to.",
    "gpc": "Your browser's Global Privacy Control signal turned personalization off, so this choice uses nothing "
           "about you: it is what most visitors respond to.",
    "model": "Chosen because {factors}: visitors like you responded to it most.",
    "most": "Chosen because it is what most visitors respond to.",
    "rule": "The site shows this when {condition} (rule: “{rule}”).",
}

# each reason code in a few English words, for the admin's decisions explorer (the widget has its own, per language)
REASONS = {
    "model": "chosen for this visitor's situation", "exploration": "trying a version to learn",
    "rule": "a site rule", "holdout": "holdout: the standard version", "disabled": "personalization switched off here",
    "personalization_off": "the visitor turned personalization off", "split": "a comparison, picked at random",
    "only_option": "the only version that fits",
}


def for_fallback(reason: str, policy: str) -> Explain:
    return Explain(reason=reason, summary=SUMMARIES[reason], policy=policy)


def for_rule(rule: Rule, policy: str) -> Explain:
    return Explain(reason="rule", rule=rule.name, policy=policy,
                   summary=SUMMARIES["rule"].format(condition=describe_conditions(rule.when, say=_counter_condition),
                                                    rule=rule.name))


def _counter_condition(key: str, expected: ConditionValue) -> str | None:
    """A comparison on a counter as the visitor's own count: "you visited pricing at least 2 times"."""
    if not isinstance(expected, Comparison) or expected.in_ is not None:
        return None
    bounds = {name: getattr(expected, name) for name in ("gte", "gt", "lte", "lt")}
    return condition_in_words(key, {name: bound for name, bound in bounds.items() if bound is not None})


def for_choice(
    *, policy: str, explored: bool, personalized: bool, contributions: list[tuple[str, float]], rule: Rule | None,
    signal: str | None = None, labels: Mapping[str, str] | None = None,
) -> Explain:
    named = rule.name if rule else None
    if not personalized:
        return Explain(reason="personalization_off", policy=policy, rule=named, signal=signal,
                       summary=SUMMARIES["gpc" if signal == "gpc" else "personalization_off"])
    if policy in ("uniform", "fixed"):
        return Explain(reason="split", policy=policy, rule=named, summary=SUMMARIES["split"])
    if explored:
        return Explain(reason="exploration", policy=policy, explored=True, rule=named, summary=SUMMARIES["exploration"])
    factors = [_factor(feature, weight, labels) for feature, weight in listed(contributions)]
    return Explain(reason="model", policy=policy, factors=factors, rule=named, summary=model_summary(factors, labels))


def listed(contributions: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The strongest positive factors, each field=value said once: a pair takes in the listed singles it
    repeats (with their weight), and a factor that repeats part of a listed pair is left out.

    >>> listed([("device=mobile", 0.3), ("returning=false", 0.2), ("device=mobile&returning=false", 0.1)])
    [('device=mobile&returning=false', 0.6)]
    >>> listed([("bias", 0.4), ("device=mobile&referrer=ads", 0.2), ("device=mobile", 0.1), ("page=/", 0.05)])
    [('bias', 0.4), ('device=mobile&referrer=ads', 0.2), ('page=/', 0.05)]
    """
    chosen: list[tuple[str, float]] = []
    in_pairs: set[str] = set()  # the field=value parts the listed pairs already say
    for feature, weight in sorted(((f, w) for f, w in contributions if w > 0), key=lambda item: -item[1]):
        parts = set(feature.split("&"))
        if parts & in_pairs:
            continue
        repeated = [(f, w) for f, w in chosen if f in parts]  # listed singles this pair says again
        chosen = [item for item in chosen if item not in repeated]
        chosen.append((feature, weight + sum(w for _, w in repeated)))
        if len(parts) > 1:
            in_pairs |= parts
        if len(chosen) == MAX_FACTORS:
            break
    return sorted(chosen, key=lambda item: -item[1])


def model_summary(factors: list[Factor], labels: Mapping[str, str] | None = None) -> str:
    if not factors or factors[0].feature == BIAS:
        return SUMMARIES["most"]
    words = [describe_feature(f.feature, labels) for f in factors if f.feature != BIAS]
    return SUMMARIES["model"].format(factors=words[0] if len(words) == 1 else ", ".join(words[:-1]) + ", and " + words[-1])


def in_site_words(why: Explain, labels: Mapping[str, str]) -> Explain:
    """The explanation with the site's value labels: on each field, and in the English summary."""
    if not labels or not why.factors:
        return why
    factors = [_factor(f.feature, f.weight, labels) for f in why.factors]
    return msgspec.structs.replace(why, factors=factors, summary=model_summary(factors, labels))


def in_visitor_words(why: Explain, site_labels: Mapping[str, str]) -> Explain:
    """`in_site_words`, with a counter's bucket said as a count ("you visited pricing 2 times") unless the site
    has its own words for it."""
    if not why.factors:
        return why
    counted = {f"{f.field}={f.value}": said for factor in why.factors for f in factor.fields
               if (said := in_words(f.field, f.value)) is not None}
    return in_site_words(why, {**counted, **site_labels} if counted else site_labels)


def with_signal(why: Explain, signal: str | None) -> Explain:
    """Any explanation of a decision made under the browser's privacy signal names it."""
    if signal is None or why.signal == signal:
        return why
    return msgspec.structs.replace(why, signal=signal)


def _factor(feature: str, weight: float, labels: Mapping[str, str] | None) -> Factor:
    fields = [FactorField(field=key, value=value, label=(labels or {}).get(f"{key}={value}"))
              for key, value in feature_fields(feature)]
    return Factor(feature=feature, label=describe_feature(feature, labels), weight=round(weight, 4), fields=fields)
