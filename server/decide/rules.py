"""Site rules: conditions on context and traits that force or restrict a block's variants."""

from __future__ import annotations

from collections.abc import Mapping

from server.config.schema import Rule


def matches(rule: Rule, facts: Mapping[str, object]) -> bool:
    """Every condition holds; a list means any of its values."""
    for key, expected in rule.when.items():
        actual = facts.get(key)
        options = expected if isinstance(expected, list) else [expected]
        if not any(_same(actual, option) for option in options):
            return False
    return True


def _same(actual: object, expected: object) -> bool:
    return actual == expected and isinstance(actual, bool) == isinstance(expected, bool)  # true is not 1


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
    parts = []
    for key, expected in rule.when.items():
        shown = " or ".join(str(v) for v in expected) if isinstance(expected, list) else str(expected)
        parts.append(f"{key.replace('_', ' ')} is {shown}")
    return " and ".join(parts)
