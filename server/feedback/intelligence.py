"""Feedback intelligence fed from the log: every open-text survey answer is scored (VADER, English only: other
languages are "not scored"), put in a theme (online_learning/feedback/themes.py) and counted for a negative-surge
alarm per theme (NegativeSurge), in log order.

A background thread (intelligence_thread.py) calls `learn_new` every few seconds; pages only read what is learned so
far (`reading`), so a long log never holds a page up. An erased or expired answer is dropped by `drop_deleted`
(a decrement: it leaves the theme's count, trend, mean sentiment, quotes and drill-down at once; the theme's centre,
label phrases and surge detector keep what it taught until the next rebuild, as aggregates like policy weights).
`state`/`from_state` hold everything as plain data for a snapshot; the surge detectors are not stored but replayed
from the kept answers in order, which gives them exactly the input they had, minus what was since deleted.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from online_learning.feedback.sentiment import Sentiment, is_negative
from online_learning.feedback.surge import NegativeSurge
from online_learning.feedback.themes import ThemeModel

if TYPE_CHECKING:
    import duckdb

STATE_VERSION = 1
CHUNK = 20  # answers learned per hold of the lock (~30 ms): a page waits at most that long for it
_TEXT = "type = 'survey_answer' AND text IS NOT NULL"
NEW_TEXT = f"SELECT id, site, survey, question, text, received_at, language, seq FROM events WHERE {_TEXT} " \
           "AND seq > ? ORDER BY seq LIMIT ?"
NOT_LEARNED = f"SELECT count(*) FROM events WHERE {_TEXT} AND seq > ?"
KEPT_PER_SITE = f"SELECT site, count(*) FROM events WHERE {_TEXT} AND seq <= ? GROUP BY site"
KEPT_IDS = f"SELECT id FROM events WHERE {_TEXT} AND site = ? AND seq <= ?"


@dataclass(slots=True)
class TextAnswer:
    id: str
    survey: str
    question: str
    received_at: int
    theme: int | None  # None: no topical key phrase ("ok", "bad")
    sentiment: float | None  # VADER compound -1..1; None: not scored (not English)


@dataclass(slots=True)
class SiteFeedback:
    themes: ThemeModel = field(default_factory=ThemeModel)
    surge: NegativeSurge | None = None  # one ADWIN per theme inside
    answers: dict[str, TextAnswer] = field(default_factory=dict)  # in learning order
    by_theme: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    alarms: dict[int, int] = field(default_factory=dict)  # theme -> received_at of the answer that raised its alarm

    def add(self, answer: TextAnswer) -> None:
        """Record a learned answer and feed the surge detectors with it."""
        self.answers[answer.id] = answer
        if answer.theme is not None:
            self.by_theme[answer.theme].append(answer.id)
        if answer.sentiment is not None:  # every scored answer moves every theme's share, themed or not
            self.surge = self.surge or NegativeSurge()
            if self.surge.update(answer.theme, is_negative(answer.sentiment), at=answer.received_at):
                self.alarms[answer.theme] = answer.received_at

    def drop(self, answer_id: str) -> None:
        answer = self.answers.pop(answer_id, None)
        if answer is not None and answer.theme is not None:
            members = self.by_theme[answer.theme]
            members.remove(answer_id)
            if not members:
                del self.by_theme[answer.theme]


class FeedbackIntelligence:
    def __init__(self) -> None:
        self.last_seq = 0  # the log position learned up to
        self.behind = 0  # text answers logged after last_seq when the current pass began, minus those learned since
        self.rebuild_seconds: float | None = None  # how long the first pass after a start (or a restore) took
        self.restored = False  # started from a snapshot rather than from the whole log
        self._sites: dict[str, SiteFeedback] = {}
        self._sentiment: Sentiment | None = None
        self._lock = threading.Lock()

    @contextmanager
    def reading(self, key: str) -> Iterator[SiteFeedback]:
        """The site's feedback as learned so far; the learner waits while the caller reads it."""
        with self._lock:
            yield self._sites.get(key) or SiteFeedback()

    def learned(self) -> int:
        return sum(len(s.answers) for s in self._sites.values())

    def learn_new(self, cursor: duckdb.DuckDBPyConnection, *, batch: int = 500,
                  pause: Callable[[], bool] = lambda: False) -> int:
        """Learn every text answer logged after `last_seq`, CHUNK at a time; between chunks `pause()` yields the
        processor, and ends the pass early by returning True (the server is stopping)."""
        if self._sentiment is None:
            self._sentiment = Sentiment()  # reads VADER's lexicon once
        self.behind = cursor.execute(NOT_LEARNED, [self.last_seq]).fetchone()[0]
        learned = 0
        while rows := cursor.execute(NEW_TEXT, [self.last_seq, batch]).fetchall():
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start:start + CHUNK]
                with self._lock:
                    for row in chunk:
                        self._learn(*row[:7])
                    self.last_seq = chunk[-1][7]
                    self.behind = max(0, self.behind - len(chunk))
                learned += len(chunk)
                if pause():
                    return learned
        self.behind = 0
        return learned

    def drop_deleted(self, cursor: duckdb.DuckDBPyConnection) -> int:
        """Forget answers the log no longer holds (erased by a visitor, or past retention); returns how many."""
        kept = dict(cursor.execute(KEPT_PER_SITE, [self.last_seq]).fetchall())
        dropped = 0
        for key in [k for k, s in self._sites.items() if len(s.answers) != kept.get(k, 0)]:
            still = {row[0] for row in cursor.execute(KEPT_IDS, [key, self.last_seq]).fetchall()}
            with self._lock:
                state = self._sites[key]
                for answer_id in [a for a in state.answers if a not in still]:
                    state.drop(answer_id)
                    dropped += 1
        return dropped

    def _learn(self, answer_id: str, site: str, survey: str, question: str, text: str, received_at: int,
               language: str | None) -> None:
        state = self._sites.setdefault(site, SiteFeedback())
        theme = state.themes.learn(answer_id, text)
        sentiment = self._sentiment.score(text, language)  # no language (older widgets): English unless clearly not
        state.add(TextAnswer(answer_id, survey, question, received_at, theme, sentiment))

    def state(self) -> dict:
        """Everything learned, as plain data (msgpack-able); `from_state` continues from it."""
        with self._lock:
            return {"version": STATE_VERSION, "last_seq": self.last_seq, "sites": {
                key: {"themes": s.themes.state(),
                      "answers": [[a.id, a.survey, a.question, a.received_at, a.theme, a.sentiment]
                                  for a in s.answers.values()]}
                for key, s in self._sites.items()}}

    def restore(self, state: dict) -> None:
        """Continue from a `state()` (before anything is learned); raises ValueError for another version."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"feedback state version {state.get('version')!r} is not {STATE_VERSION}")
        sites = {}
        for key, site in state["sites"].items():
            feedback = sites[key] = SiteFeedback(themes=ThemeModel.from_state(site["themes"]))
            for row in site["answers"]:
                feedback.add(TextAnswer(*row))
        with self._lock:
            self._sites, self.last_seq, self.restored = sites, state["last_seq"], True
