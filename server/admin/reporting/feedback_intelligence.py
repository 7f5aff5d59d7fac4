"""Feedback intelligence fed from the log: every open-text survey answer is scored (VADER, English only: other
languages are "not scored"), put in a theme (online_learning/feedback/themes.py) and counted for a negative-surge
alarm per theme (NegativeSurge), in log order.

State is in memory only: the first read after a start learns every text answer in the log, then each read learns
the answers after the last log position it saw (`seq`), so the page is current whenever it loads. The cost of a
rebuild is one pass over the text answers (measured in tests/server/test_admin_surveys_feedback.py). Erased or
expired answers stay counted until the next start, but their text is never shown: quotes and drill-downs are
re-read from the log.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from online_learning.feedback.sentiment import Sentiment, is_negative
from online_learning.feedback.surge import NegativeSurge
from online_learning.feedback.themes import ThemeModel

if TYPE_CHECKING:
    from server.storage.admin_db import AdminDb

BATCH = 2_000
NEW_TEXT = """
SELECT id, site, survey, question, text, received_at, seq FROM events
WHERE type = 'survey_answer' AND text IS NOT NULL AND seq > ? ORDER BY seq LIMIT ?
"""


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
    answers: dict[str, TextAnswer] = field(default_factory=dict)
    by_theme: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    alarms: dict[int, int] = field(default_factory=dict)  # theme -> received_at of the answer that raised its alarm


class FeedbackIntelligence:
    def __init__(self, *, db: AdminDb) -> None:
        self.db = db
        self.last_seq = 0
        self.learned = 0
        self.rebuild_seconds: float | None = None  # how long the first read (the rebuild from the log) took
        self._sites: dict[str, SiteFeedback] = {}
        self._sentiment: Sentiment | None = None
        self._lock = threading.Lock()

    def site(self, key: str) -> SiteFeedback:
        """The site's feedback, with everything logged so far learned."""
        self.catch_up()
        return self._sites.get(key) or SiteFeedback()

    def catch_up(self) -> int:
        """Learn every text answer logged since the last call; returns how many."""
        with self._lock:
            first, started, learned = self.last_seq == 0, time.perf_counter(), 0
            if self._sentiment is None:
                self._sentiment = Sentiment()  # reads VADER's lexicon: only when the Feedback page is first read
            while rows := self.db.all(NEW_TEXT, [self.last_seq, BATCH]):
                for row in rows:
                    self._learn(*row[:6])
                self.last_seq, learned = rows[-1][6], learned + len(rows)
            if first:
                self.rebuild_seconds = time.perf_counter() - started
            self.learned += learned
            return learned

    def _learn(self, answer_id: str, site: str, survey: str, question: str, text: str, received_at: int) -> None:
        state = self._sites.setdefault(site, SiteFeedback())
        theme = state.themes.learn(answer_id, text)
        sentiment = self._sentiment.score(text, None)  # the log keeps no page language: English unless clearly not
        state.answers[answer_id] = TextAnswer(answer_id, survey, question, received_at, theme, sentiment)
        if theme is not None:
            state.by_theme[theme].append(answer_id)
        if sentiment is not None:  # every scored answer moves every theme's share, themed or not
            state.surge = state.surge or NegativeSurge()
            if state.surge.update(theme, is_negative(sentiment), at=received_at):
                state.alarms[theme] = received_at
