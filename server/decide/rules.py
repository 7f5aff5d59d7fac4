"""Site rules: conditions on context, traits and counters that force or restrict a block's variants."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from server.config.schema import Comparison, ConditionValue, Rule

_WORDS = {"gte": "at least", "gt": "more than", "lte": "at most", "lt": "less than"}


def conditions_hold(when: Mapping[str, ConditionValue], facts: Mapping[str, object]) -> bool:
    """Every condition holds: a value is equal, a list means any of its values, a comparison holds in full.

    >>> conditions_hold({"pricing_views": Comparison(gte=2), "device": ["mobile", "tablet"]},
    ...                 {"pricing_views": 2, "device": "mobile"})
    True
    >>> conditions_hold({"pricing_views": Comparison(gte=2)}, {"pricing_views": True})  # a bool is not a number
    False
    """
    for key, expected in when.items():
        actual = facts.get(key)
        if isinstance(expected, Comparison):
            if not _compares(actual, expected):
                return False
        elif not any(_same(actual, option) for option in (expected if isinstance(expected, list) else [expected])):
            return False
    return True


def matches(rule: Rule, facts: Mapping[str, object]) -> bool:
    return conditions_hold(rule.when, facts)


def _same(actual: object, expected: object) -> bool:
    return actual == expected and isinstance(actual, bool) == isinstance(expected, bool)  # true is not 1


def _compares(actual: object, comparison: Comparison) -> bool:
    if comparison.in_ is not None and not any(_same(actual, option) for option in comparison.in_):
        return False
    bounds = [(name, getattr(comparison, name)) for name in _WORDS if getattr(comparison, name) is not None]
    if not bounds:
        return True
    if isinstance(actual, bool) or not isinstance(actual, int | float):  # a missing fact or a text never compares
        return False
    checks = {"gte": actual.__ge__, "gt": actual.__gt__, "lte": actual.__le__, "lt": actual.__lt__}
    return all(checks[name](bound) is True for name, bound in bounds)


def apply_rules(rules: list[Rule], facts: Mapping[str, object], candidates: list[str]) -> tuple[list[str], Rule | None]:
    """Narrow the candidates; returns them and the rule that decided, if one forced or restricted."""
    deciding = None
    for rule in rules:
        if not matches(rule, facts):
            continue
        if rule.force is not None:
            if rule.force in candidates:  # an earlier restriction still holds: force only what it allows
                return [rule.force], rule
            continue
        if rule.only is not None:
            narrowed = [c for c in candidates if c in rule.only]
        else:
            narrowed = [c for c in candidates if c not in (rule.exclude or [])]
        if narrowed:
            candidates, deciding = narrowed, rule
    return candidates, deciding


def describe_condition(rule: Rule) -> str:
    return describe_conditions(rule.when)


def describe_conditions(when: Mapping[str, ConditionValue],
                        say: Callable[[str, ConditionValue], str | None] | None = None) -> str:
    """The conditions in words: "pricing views is at least 2 and device is mobile or tablet"; `say` may word
    a condition its own way (None: the usual words)."""
    return " and ".join((say and say(key, expected)) or f"{key.replace('_', ' ')} is {_shown(expected)}"
                        for key, expected in when.items())


def _shown(expected: ConditionValue) -> str:
    if isinstance(expected, Comparison):
        parts = [f"{words} {_value(getattr(expected, name))}" for name, words in _WORDS.items()
                 if getattr(expected, name) is not None]
        if expected.in_ is not None:
            parts.insert(0, " or ".join(_value(v) for v in expected.in_))
        return " and ".join(parts)
    return " or ".join(_value(v) for v in expected) if isinstance(expected, list) else _value(expected)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
