"""Turn a visitor's context into the named features a contextual policy learns from."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

BIAS = "bias"
MAX_FIELDS = 12
MAX_VALUE_LENGTH = 64


def _value_text(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(round(value))  # a float context value is a coarse bucket, not a precise measure
    if isinstance(value, str) and value:
        return value[:MAX_VALUE_LENGTH]
    return None


def context_features(context: Mapping[str, object], *, interactions: bool = True) -> tuple[str, ...]:
    """Name the features of a context: a bias, one per field, and one per pair of fields.

    Pairs let a linear model learn that, say, mobile visitors from search differ from
    both mobile visitors and search visitors in general.

    >>> context_features({"device": "mobile", "returning": True, "empty": ""})
    ('bias', 'device=mobile', 'returning=true', 'device=mobile&returning=true')
    >>> context_features({"device": "mobile", "referrer": "ads"}, interactions=False)
    ('bias', 'device=mobile', 'referrer=ads')
    """
    singles = []
    for key in sorted(context)[:MAX_FIELDS]:
        text = _value_text(context[key])
        if text is not None:
            singles.append(f"{key}={text}")
    pairs = [f"{a}&{b}" for a, b in combinations(singles, 2)] if interactions else []
    return (BIAS, *singles, *pairs)


def describe_feature(feature: str) -> str:
    """Say a feature in words a visitor can read.

    >>> describe_feature("device=mobile&referrer=search")
    'your device is mobile and you came from search'
    >>> describe_feature("bias")
    'what most visitors respond to'
    """
    if feature == BIAS:
        return "what most visitors respond to"
    return " and ".join(_describe_single(part) for part in feature.split("&"))


_PHRASES = {
    "device": "your device is {}",
    "referrer": "you came from {}",
    "page": "you are on {}",
    "returning": "returning visitor: {}",
    "segment": "your interest is {}",
    "time_of_day": "it is {}",
    "language": "your language is {}",
    "country": "you are in {}",
}


def _describe_single(part: str) -> str:
    key, _, value = part.partition("=")
    if key == "returning":
        return "you have visited before" if value == "true" else "this is your first visit"
    return _PHRASES.get(key, key.replace("_", " ") + " is {}").format(value)
