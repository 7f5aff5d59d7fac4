"""What each known visitor was asked: surveys shown, dismissed and answered, in memory for eligibility.

Loaded from the event log at start and fed with every committed survey event, so a restart remembers what
the log holds. Times are the server's (`received_at`): the client's clock never decides a recontact.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from server.storage.rows import EventRow

SURVEY_EVENTS = ("survey_shown", "survey_dismissed", "survey_answer")
_ROWS = f"""SELECT site, visitor, type, survey, received_at FROM events
            WHERE type IN {SURVEY_EVENTS} AND visitor IS NOT NULL AND survey IS NOT NULL"""
MAX_PROMPTS = 20  # recent prompt times kept per visitor: more than any budget counts


@dataclass(slots=True)
class Asked:
    """One survey, for one visitor."""

    shown: int = 0  # times shown
    last_shown: int | None = None  # ms
    dismissed: bool = False
    answered: bool = False


@dataclass(slots=True)
class VisitorHistory:
    surveys: dict[str, Asked] = field(default_factory=dict)
    prompts: list[int] = field(default_factory=list)  # when a survey was shown (ms), oldest first

    def note(self, kind: str, survey: str, at: int) -> None:
        asked = self.surveys.setdefault(survey, Asked())
        if kind == "survey_shown" or (kind == "survey_answer" and asked.shown == 0):  # answered means it was seen
            asked.shown += 1
            asked.last_shown = max(at, asked.last_shown or at)
            self.prompts = sorted([*self.prompts, at])[-MAX_PROMPTS:]
        elif kind == "survey_dismissed":
            asked.dismissed = True
        if kind == "survey_answer":
            asked.answered = True


class SurveyHistory:
    """(site, visitor hash) -> VisitorHistory.

    >>> history = SurveyHistory()
    >>> history.note(site="pk", visitor="h", kind="survey_shown", survey="nps", at=1_000)
    >>> history.note(site="pk", visitor="h", kind="survey_dismissed", survey="nps", at=2_000)
    >>> asked = history.of("pk", "h").surveys["nps"]; (asked.shown, asked.last_shown, asked.dismissed)
    (1, 1000, True)
    >>> history.forget(site="pk", visitor="h"), history.of("pk", "h").surveys
    (1, {})
    """

    def __init__(self) -> None:
        self._visitors: dict[tuple[str, str], VisitorHistory] = {}
        self._lock = threading.Lock()

    def load(self, cursor: duckdb.DuckDBPyConnection) -> int:
        return self._note_rows(cursor.execute(f"{_ROWS} ORDER BY seq"))

    def reload(self, cursor: duckdb.DuckDBPyConnection, *, site: str, visitors: list[str]) -> None:
        """Some of these visitors' survey events were deleted (retention): their history again from what is left."""
        with self._lock:
            for visitor in visitors:
                self._visitors.pop((site, visitor), None)
        self._note_rows(cursor.execute(f"{_ROWS} AND site = ? AND list_contains(?, visitor) ORDER BY seq",
                                       [site, visitors]))

    def _note_rows(self, rows) -> int:
        loaded = 0
        while chunk := rows.fetchmany(10_000):
            for site, visitor, kind, survey, at in chunk:
                self.note(site=site, visitor=visitor, kind=kind, survey=survey, at=at)
            loaded += len(chunk)
        return loaded

    def observe(self, events: Iterable[EventRow]) -> None:
        """Committed events (the writer's thread): the survey events of known visitors are remembered."""
        for event in events:
            if event.type in SURVEY_EVENTS and event.visitor is not None and event.survey is not None:
                self.note(site=event.site, visitor=event.visitor, kind=event.type, survey=event.survey,
                          at=event.received_at)

    def note(self, *, site: str, visitor: str, kind: str, survey: str, at: int) -> None:
        with self._lock:
            self._visitors.setdefault((site, visitor), VisitorHistory()).note(kind, survey, at)

    def of(self, site: str, visitor: str) -> VisitorHistory:
        return self._visitors.get((site, visitor)) or VisitorHistory()

    def forget(self, *, site: str, visitor: str) -> int:
        with self._lock:
            return len(self._visitors.pop((site, visitor), VisitorHistory()).surveys)
