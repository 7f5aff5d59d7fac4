"""Which of a field's values get a feature of their own: a frequency-capped vocabulary per field.

A field with few values (device, referrer) keeps every value and every pair, as before. A field
that shows more than `open_values` distinct values (a page path, a campaign id) is *wide*: a further
value gets its own feature only once it has been seen `admit_after` times (counted by a bounded
Misra-Gries heavy-hitter table), and only while the field holds fewer than `values_per_field`
values; every other value shares `field=(other)`, and the wide field forms no pairs (pairs with a
field of thousands of values are the blow-up). A value, once admitted, is never evicted, so the
vocabulary is a deterministic function of the order of updates: a replay rebuilds it exactly.
Named values rather than hashed buckets, so an explanation can always say the real value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from online_learning.features import OTHER

_MAX_FIELDS = 64  # distinct field names tracked; features of later fields are dropped (the matrices stay bounded)


class _Field:
    __slots__ = ("values", "counts", "wide")

    def __init__(self) -> None:
        self.values: dict[str, None] = {}  # admitted values, in admission order
        self.counts: dict[str, int] = {}  # sightings of values not admitted yet (a wide field only)
        self.wide = False


def _split(features: Sequence[str]) -> list[tuple[str, tuple[str, str] | None, tuple[str, str] | None]]:
    """Each feature with its field=value parts: (feature, single, None), (feature, a, b) for a pair, or
    (feature, None, None) for the bias; a value holding '&' stays one value, never a false pair."""
    singles = {f for f in features if "=" in f and "&" not in f}
    parsed = []
    for feature in features:
        if "=" not in feature:
            parsed.append((feature, None, None))
            continue
        split = feature.find("&")
        while split >= 0 and not (feature[:split] in singles and feature[split + 1:] in singles):
            split = feature.find("&", split + 1)
        if split < 0:
            key, _, value = feature.partition("=")
            parsed.append((feature, (key, value), None))
        else:
            a, b = feature[:split].partition("="), feature[split + 1:].partition("=")
            parsed.append((feature, (a[0], a[2]), (b[0], b[2])))
    return parsed


class FieldVocabulary:
    """Maps a context's features onto the bounded vocabulary; `learn` (learner thread) also counts and admits.

    >>> vocabulary = FieldVocabulary(open_values=2, values_per_field=3, admit_after=2)
    >>> for page in ["/", "/a", "/b", "/b", "/c"]:
    ...     mapped = vocabulary.learn(["bias", "device=mobile", f"page={page}", f"device=mobile&page={page}"])
    >>> mapped, vocabulary.map(["page=/b", "page=/z"])
    (('bias', 'device=mobile', 'page=(other)'), ('page=/b', 'page=(other)'))
    """

    def __init__(self, *, open_values: int = 16, values_per_field: int = 48, admit_after: int = 10,
                 counters: int = 256) -> None:
        self.open_values = open_values
        self.values_per_field = values_per_field
        self.admit_after = admit_after
        self.counters = counters
        self.fields: dict[str, _Field] = {}
        self.widened = 0  # fields turned wide so far: their pairs are retired
        self.version = 0  # bumped by every admission and every field turning wide: memoised maps go stale
        self._learned: dict[tuple[str, ...], tuple[int, tuple[str, ...]]] = {}
        self._mapped: dict[tuple[str, ...], tuple[int, tuple[str, ...]]] = {}

    def learn(self, features: Sequence[str]) -> tuple[str, ...]:
        key = tuple(features)
        found = self._learned.get(key)
        if found is not None and found[0] == self.version:
            return found[1]
        pure = True
        for _, single, second in _split(key):
            if single is not None and second is None:
                pure = self._see(*single) and pure
        mapped = self.map(key)
        if pure:  # every value already admitted: nothing to count next time either
            self._learned = _remember(self._learned, key, (self.version, mapped))
        return mapped

    def _see(self, name: str, value: str) -> bool:
        """Count one sighting; whether the value was admitted already (so the sighting changed nothing)."""
        field = self.fields.get(name)
        if field is None:
            if len(self.fields) >= _MAX_FIELDS:
                return True
            field = self.fields[name] = _Field()
        if value in field.values:
            return True
        if value == OTHER:  # a literal "(other)" from a page is the shared bucket, never a value of its own
            return True
        if not field.wide and len(field.values) < self.open_values:
            self._admit(field, value)
            return False
        if not field.wide:
            field.wide = True
            self.widened += 1
            self.version += 1
        if len(field.values) >= self.values_per_field:
            return True  # full: nothing is counted any more
        count = field.counts.get(value, 0) + 1
        if count >= self.admit_after:
            field.counts.pop(value, None)
            self._admit(field, value)
        elif value in field.counts or len(field.counts) < self.counters:
            field.counts[value] = count
        else:  # Misra-Gries: a full table forgets one sighting of every value, so only frequent ones build up
            field.counts = {v: c - 1 for v, c in field.counts.items() if c > 1}
        return False

    def _admit(self, field: _Field, value: str) -> None:
        field.values[value] = None
        if len(field.values) >= self.values_per_field:
            field.counts = {}
        self.version += 1

    def map(self, features: Sequence[str]) -> tuple[str, ...]:
        """The features the model knows for this context (read-only: safe on the request path)."""
        key = tuple(features)
        found = self._mapped.get(key)
        if found is not None and found[0] == self.version:
            return found[1]
        version, mapped = self.version, []
        for feature, single, second in _split(key):
            if single is None:
                mapped.append(feature)
            elif second is None:
                named = self._named(*single)
                if named is not None:
                    mapped.append(feature if named else f"{single[0]}={OTHER}")
            elif self._named(*single) and self._named(*second) and not self._is_wide(single[0], second[0]):
                mapped.append(feature)
        result = tuple(mapped)
        self._mapped = _remember(self._mapped, key, (version, result))
        return result

    def _named(self, name: str, value: str) -> bool | None:
        """True: the value has (or will get at once) its own feature; False: it is `(other)`; None: dropped."""
        field = self.fields.get(name)
        if field is None:
            return True if len(self.fields) < _MAX_FIELDS else None
        if value in field.values:
            return True
        return value != OTHER and not field.wide and len(field.values) < self.open_values

    def _is_wide(self, *names: str) -> bool:
        return any((field := self.fields.get(name)) is not None and field.wide for name in names)

    def retired(self, vocabulary: Sequence[str]) -> set[str]:
        """The pairs in `vocabulary` that `map` no longer forms: those with a wide field."""
        return {feature for feature, single, second in _split(vocabulary)
                if second is not None and self._is_wide(single[0], second[0])}

    def state(self) -> dict[str, Any]:
        return {name: {"values": list(f.values), "counts": dict(f.counts), "wide": f.wide}
                for name, f in self.fields.items()}

    def load_state(self, saved: dict[str, Any]) -> None:
        self.fields = {}
        for name, stored in saved.items():
            field = self.fields[name] = _Field()
            field.values = dict.fromkeys(str(v) for v in stored["values"])
            field.counts = {str(v): int(c) for v, c in stored["counts"].items()}
            field.wide = bool(stored["wide"])
        self._forget()

    def rebuild(self, vocabulary: Sequence[str]) -> None:
        """From a snapshot written before fields were capped: every value it named stays admitted."""
        self.fields = {}
        for _, single, second in _split(vocabulary):
            if single is not None and second is None:
                field = self.fields.setdefault(single[0], _Field())
                field.values[single[1]] = None
        for field in self.fields.values():
            field.wide = len(field.values) > self.open_values
        self._forget()

    def _forget(self) -> None:
        self.version += 1
        self._learned, self._mapped = {}, {}


_MEMO_ENTRIES = 50_000


def _remember(memo: dict, key: tuple[str, ...], value: tuple[int, tuple[str, ...]]) -> dict:
    if len(memo) >= _MEMO_ENTRIES:
        memo = {}  # many distinct contexts: start over rather than grow without bound
    memo[key] = value
    return memo
