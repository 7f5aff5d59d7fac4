"""Progressive profiling: a known visitor's answer to a profile question (one with `trait`) becomes that trait.

In memory for decide (which never queries DuckDB), loaded from the log at start and fed with every committed
answer; the latest answer wins. Which question sets which trait is read from the live configuration.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    import duckdb

    from server.config.schema import Site
    from server.storage.rows import EventRow

TraitValue = str | int | float


def trait_value(kind: str, value: float | None, choices: str | None) -> TraitValue | None:
    """The answer as a trait: a single choice's id, or the number (whole numbers as ints).

    >>> trait_value("single", None, '["gift"]'), trait_value("nps", 9.0, None), trait_value("text", None, None)
    ('gift', 9, None)
    """
    if kind == "single" and choices:
        chosen = orjson.loads(choices)
        return chosen[0] if len(chosen) == 1 else None
    if kind in ("nps", "csat", "ces", "thumbs") and value is not None:
        return int(value) if float(value).is_integer() else value
    return None


@dataclass(frozen=True, slots=True)
class TraitSource:
    """Where a trait came from: the answer (its event id and server time) to one question of one survey."""

    value: TraitValue
    survey: str
    question: str
    answered_at: int | None
    answer_id: str | None


ANSWERS = """SELECT site, visitor, survey, question, value, choices, received_at, id FROM events
             WHERE type = 'survey_answer' AND visitor IS NOT NULL AND survey IS NOT NULL"""


class ProfileTraits:
    """(site, visitor hash) -> {trait: value}, and which answer set each.

    >>> from server.config.loader import load_config
    >>> sites = {s.key: s for s in load_config().sites}
    >>> traits = ProfileTraits(site=sites.get)
    >>> traits.note(site="pk_demo", visitor="h", survey="about-you", question="shopping-for", value=None,
    ...             choices='["gift"]', at=5, answer_id="a1")
    >>> traits.of("pk_demo", "h"), traits.sources("pk_demo", "h")["shopping_for"].question
    ({'shopping_for': 'gift'}, 'shopping-for')
    >>> traits.forget(site="pk_demo", visitor="h"), traits.of("pk_demo", "h")
    (1, {})
    """

    def __init__(self, *, site: Callable[[str], Site | None]) -> None:
        self._site = site  # the live configuration of a site, or None
        self._traits: dict[tuple[str, str], dict[str, TraitSource]] = {}
        self._lock = threading.Lock()
        self.on_change: Callable[[str, str], None] | None = None  # scaled mode: mirrors (site, visitor) into Redis

    def load(self, cursor: duckdb.DuckDBPyConnection) -> int:
        self._note_rows(cursor.execute(ANSWERS + " ORDER BY seq"))
        return len(self._traits)

    def reload(self, cursor: duckdb.DuckDBPyConnection, *, site: str, visitors: list[str]) -> None:
        """Some of these visitors' answers were deleted (retention): their traits again from the answers left."""
        with self._lock:
            for visitor in visitors:
                self._traits.pop((site, visitor), None)
        self._note_rows(cursor.execute(ANSWERS + " AND site = ? AND list_contains(?, visitor) ORDER BY seq",
                                       [site, visitors]))
        if self.on_change is not None:
            for visitor in visitors:
                self.on_change(site, visitor)

    def _note_rows(self, rows) -> None:
        while chunk := rows.fetchmany(10_000):
            for site, visitor, survey, question, value, choices, at, answer_id in chunk:
                self.note(site=site, visitor=visitor, survey=survey, question=question, value=value, choices=choices,
                          at=at, answer_id=answer_id)

    def observe(self, events: Iterable[EventRow]) -> None:
        """Committed events (the writer's thread): only answers that carry a visitor become traits."""
        for e in events:
            if e.type == "survey_answer" and e.visitor is not None and e.survey is not None:
                self.note(site=e.site, visitor=e.visitor, survey=e.survey, question=e.question, value=e.value,
                          choices=e.choices, at=e.received_at, answer_id=e.id)

    def note(self, *, site: str, visitor: str, survey: str, question: str | None, value: float | None,
             choices: str | None, at: int | None = None, answer_id: str | None = None) -> None:
        found = self._site(site)
        asked = next((q for s in (found.surveys if found else []) if s.id == survey
                      for q in s.questions if q.id == question), None)
        if asked is None or asked.trait is None:
            return
        answer = trait_value(asked.type, value, choices)
        if answer is None:
            return
        with self._lock:
            self._traits.setdefault((site, visitor), {})[asked.trait] = TraitSource(answer, survey, asked.id, at,
                                                                                    answer_id)
        if self.on_change is not None:
            self.on_change(site, visitor)

    def of(self, site: str, visitor: str) -> dict[str, TraitValue]:
        return {trait: source.value for trait, source in self._traits.get((site, visitor), {}).items()}

    def sources(self, site: str, visitor: str) -> dict[str, TraitSource]:
        return dict(self._traits.get((site, visitor), {}))

    def forget(self, *, site: str, visitor: str) -> int:
        with self._lock:
            forgotten = len(self._traits.pop((site, visitor), {}))
        if self.on_change is not None:
            self.on_change(site, visitor)
        return forgotten

    def visitors(self) -> list[tuple[str, str]]:
        """Every (site, visitor hash) with traits."""
        with self._lock:
            return list(self._traits)
