"""Progressive profiling: a known visitor's answer to a profile question (one with `trait`) becomes that trait.

In memory for decide (which never queries DuckDB), loaded from the log at start and fed with every committed
answer; the latest answer wins. Which question sets which trait is read from the live configuration.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
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


class ProfileTraits:
    """(site, visitor hash) -> {trait: value}.

    >>> from server.config.loader import load_config
    >>> sites = {s.key: s for s in load_config().sites}
    >>> traits = ProfileTraits(site=sites.get)
    >>> traits.note(site="pk_demo", visitor="h", survey="about-you", question="shopping-for", value=None,
    ...             choices='["gift"]')
    >>> traits.of("pk_demo", "h"), traits.forget(site="pk_demo", visitor="h"), traits.of("pk_demo", "h")
    ({'shopping_for': 'gift'}, 1, {})
    """

    def __init__(self, *, site: Callable[[str], Site | None]) -> None:
        self._site = site  # the live configuration of a site, or None
        self._traits: dict[tuple[str, str], dict[str, TraitValue]] = {}
        self._lock = threading.Lock()

    def load(self, cursor: duckdb.DuckDBPyConnection) -> int:
        rows = cursor.execute(
            """SELECT site, visitor, survey, question, value, choices FROM events
               WHERE type = 'survey_answer' AND visitor IS NOT NULL AND survey IS NOT NULL ORDER BY seq""")
        while chunk := rows.fetchmany(10_000):
            for site, visitor, survey, question, value, choices in chunk:
                self.note(site=site, visitor=visitor, survey=survey, question=question, value=value, choices=choices)
        return len(self._traits)

    def observe(self, events: Iterable[EventRow]) -> None:
        """Committed events (the writer's thread): only answers that carry a visitor become traits."""
        for e in events:
            if e.type == "survey_answer" and e.visitor is not None and e.survey is not None:
                self.note(site=e.site, visitor=e.visitor, survey=e.survey, question=e.question, value=e.value,
                          choices=e.choices)

    def note(self, *, site: str, visitor: str, survey: str, question: str | None, value: float | None,
             choices: str | None) -> None:
        found = self._site(site)
        asked = next((q for s in (found.surveys if found else []) if s.id == survey
                      for q in s.questions if q.id == question), None)
        if asked is None or asked.trait is None:
            return
        answer = trait_value(asked.type, value, choices)
        if answer is None:
            return
        with self._lock:
            self._traits.setdefault((site, visitor), {})[asked.trait] = answer

    def of(self, site: str, visitor: str) -> dict[str, TraitValue]:
        return dict(self._traits.get((site, visitor), {}))

    def forget(self, *, site: str, visitor: str) -> int:
        with self._lock:
            return len(self._traits.pop((site, visitor), {}))
