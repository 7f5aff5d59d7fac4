"""Counters as decide uses them: exact numbers for rules, buckets for the contextual policy, words for "why"."""

from __future__ import annotations

from collections.abc import Mapping

BUCKETS = ("0", "1", "2", "3-5", "6-10", "11+")  # six values a counter field can take: the feature count stays bounded
_UP_TO_TEN = ("0", "1", "2", "3-5", "3-5", "3-5", "6-10", "6-10", "6-10", "6-10", "6-10")


def bucket(count: int) -> str:
    """The bucket a count falls in.

    >>> [bucket(n) for n in (0, 1, 2, 3, 5, 6, 10, 11, 400)]
    ['0', '1', '2', '3-5', '3-5', '6-10', '6-10', '11+', '11+']
    """
    return _UP_TO_TEN[count] if 0 <= count <= 10 else "11+"


def learned_context(facts: Mapping[str, int]) -> dict[str, str]:
    """The counters the contextual policy learns from, bucketed. Tracked events stay out: their names come from
    pages, so they could grow the features without end (rules still see them).

    >>> learned_context({"sessions": 1, "days_since_first": 12, "pricing_views": 3, "signup_count": 1})
    {'sessions': '1', 'days_since_first': '11+', 'pricing_views': '3-5'}
    """
    return {key: bucket(count) for key, count in facts.items() if key[-6:] != "_count"}


def labels(learned: Mapping[str, str]) -> dict[str, str]:
    """A visitor's words for each counter bucket the policy may name, keyed "field=value" like the site's labels.

    >>> labels({"pricing_views": "2"})["pricing_views=2"]
    'you visited pricing 2 times'
    """
    return {f"{key}={value}": said for key in learned for value in BUCKETS
            if (said := in_words(key, value)) is not None}


def in_words(key: str, value: str) -> str | None:
    """One counter bucket in words ("you visited pricing 2 times"); None for a field that is not a counter."""
    times = {"0": "no times", "1": "once", "11+": "more than 10 times"}.get(value, f"{value} times")
    if key.endswith("_views"):
        page = key.removesuffix("_views").replace("_", " ")
        return f"you have not visited {page} yet" if value == "0" else f"you visited {page} {times}"
    if key == "sessions":
        return "this is your first visit" if value in ("0", "1") else f"you have visited {times}"
    if key == "days_since_first":
        days = {"0": "today", "1": "yesterday", "11+": "more than 10 days ago"}.get(value, f"{value} days ago")
        return f"you first came {days}"
    return None


_BOUNDS = {"gte": "at least {} times", "gt": "more than {} times", "lte": "at most {} times",
           "lt": "fewer than {} times"}


def condition_in_words(key: str, bounds: Mapping[str, object]) -> str | None:
    """A rule's comparison on a counter, said to the visitor ("you visited pricing at least 2 times");
    None where the key is not a counter or the comparison is not only bounds.

    >>> condition_in_words("pricing_views", {"gte": 2}), condition_in_words("sessions", {"lt": 3, "gte": 2})
    ('you visited pricing at least 2 times', 'you have visited at least 2 times and fewer than 3 times')
    """
    if not bounds or any(name not in _BOUNDS for name in bounds):
        return None
    said = " and ".join(words.format(bounds[name]) for name, words in _BOUNDS.items() if name in bounds)
    if key.endswith("_views"):
        return f"you visited {key.removesuffix('_views').replace('_', ' ')} {said}"
    if key.endswith("_count"):
        return f"{key.removesuffix('_count').replace('_', ' ')} happened {said}"
    if key == "sessions":
        return f"you have visited {said}"
    return None
