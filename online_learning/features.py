"""Turn a visitor's context into the named features a contextual policy learns from."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

BIAS = "bias"
MAX_FIELDS = 12
MAX_VALUE_LENGTH = 64
OTHER = "(other)"  # the value a policy gives a field's rarer values when the field has too many to learn apart


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


def feature_fields(feature: str) -> list[tuple[str, str]]:
    """The field/value pairs a feature is made of: none for the bias, two for a pair.

    >>> feature_fields("device=mobile&returning=false"), feature_fields("bias")
    ([('device', 'mobile'), ('returning', 'false')], [])
    """
    if feature == BIAS:
        return []
    return [(key, value) for key, _, value in (part.partition("=") for part in feature.split("&"))]


def describe_feature(feature: str, labels: Mapping[str, str] | None = None) -> str:
    """Say a feature in words a visitor can read; `labels` are the site's own words for a field=value.

    >>> describe_feature("device=mobile&referrer=search")
    'you are on a phone and you came from a search engine'
    >>> describe_feature("referrer=direct", {"referrer=direct": "you typed our address"})
    'you typed our address'
    >>> describe_feature("language=de"), describe_feature("plan_tier=gold"), describe_feature("bias")
    ('your language is German', 'plan tier is gold', 'what most visitors respond to')
    >>> describe_feature("page=(other)")
    'you are on a page other than our most visited ones'
    """
    if feature == BIAS:
        return "what most visitors respond to"
    return " and ".join(describe_value(key, value, labels) for key, value in feature_fields(feature))


def describe_value(field: str, value: str, labels: Mapping[str, str] | None = None) -> str:
    """One field=value in words: the site's label, else a built-in phrase, else the field's template."""
    key = f"{field}={value}"
    if labels and key in labels:
        return labels[key]
    if value == OTHER:  # many values share this feature: say so, never show "(other)" as if it were a value
        return OTHER_PHRASES.get(field, f"your {field.replace('_', ' ')} is not one of the most common ones")
    if key in VALUE_PHRASES:
        return VALUE_PHRASES[key]
    if field.startswith("interest_") and value == "true":
        return f"you chose the interest {field.removeprefix('interest_').replace('_', ' ')}"
    shown = LANGUAGE_NAMES.get(value, value) if field == "language" else value
    return FIELD_PHRASES.get(field, field.replace("_", " ") + " is {}").format(shown)


# the values the widget sends, said as a visitor would (never the raw code: "you came from direct")
VALUE_PHRASES = {
    "device=mobile": "you are on a phone",
    "device=tablet": "you are on a tablet",
    "device=desktop": "you are on a computer",
    "referrer=direct": "you came straight to this site",
    "referrer=search": "you came from a search engine",
    "referrer=social": "you came from social media",
    "referrer=email": "you came from an email",
    "referrer=internal": "you came from another page of this site",
    "referrer=other": "you came from another website",
    "returning=true": "you have visited before",
    "returning=false": "this is your first visit",
}

OTHER_PHRASES = {
    "page": "you are on a page other than our most visited ones",
    "referrer": "you came from a site other than the usual ones",
    "country": "you are in a country we see less often",
    "language": "your language is one we see less often",
}

FIELD_PHRASES = {
    "device": "your device is {}",
    "referrer": "you came from {}",
    "page": "you are on the page {}",
    "segment": "your interest is {}",
    "time_of_day": "it is {}",
    "language": "your language is {}",
    "country": "you are in {}",
}

LANGUAGE_NAMES = {
    "ar": "Arabic", "de": "German", "en": "English", "es": "Spanish", "fr": "French", "hi": "Hindi",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese",
    "ru": "Russian", "sv": "Swedish", "tr": "Turkish", "uk": "Ukrainian", "zh": "Chinese",
}
