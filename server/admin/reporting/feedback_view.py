"""The Feedback page's figures per theme: count, trend (per day, this week against the week before), mean sentiment,
three representative quotes, and whether its negative volume surged; and a theme's answers for the drill-down.

Texts are read from the log when shown (never from memory), so an erased or expired answer is never quoted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec import Struct

from server.admin.reporting.results_filter import DAY_MS

if TYPE_CHECKING:
    from server.admin.reporting.feedback_intelligence import SiteFeedback, TextAnswer
    from server.storage.admin_db import AdminDb

TREND_DAYS = 14
ALERT_DAYS = 7  # an alarm raised by an answer of the last 7 days shows the banner
DRILL_LIMIT = 500
TEXTS = "SELECT id, text FROM events WHERE site = ? AND type = 'survey_answer' AND list_contains(?, id)"


class Quote(Struct):
    id: str
    text: str  # as the visitor wrote it: templates escape it
    sentiment: float | None  # None: not scored
    received_at: int
    survey: str
    question: str


class ThemeView(Struct):
    id: int
    label: str
    phrases: list[str]
    count: int
    per_day: list[int]  # answers per UTC day, the last TREND_DAYS days, oldest first
    last_week: int  # the last 7 days
    week_before: int
    mean_sentiment: float | None  # of the scored answers
    scored: int
    not_scored: int
    quotes: list[Quote]
    surge_at: int | None  # received_at of the answer whose negative surge raised the alarm (within ALERT_DAYS)


class FeedbackView(Struct):
    themes: list[ThemeView]
    answers: int  # text answers learned
    unthemed: int
    learned_through: int  # the log position learned up to
    rebuild_seconds: float | None


def feedback_view(db: AdminDb, site: str, feedback: SiteFeedback, *, now_ms: int, last_seq: int,
                  rebuild_seconds: float | None) -> FeedbackView:
    themes = feedback.themes.themes()
    wanted = [a for t in themes for a in t.representatives]
    texts = _texts(db, site, wanted)
    views = [_theme(t, feedback, texts, now_ms) for t in themes]
    unthemed = sum(1 for a in feedback.answers.values() if a.theme is None)
    return FeedbackView(themes=views, answers=len(feedback.answers), unthemed=unthemed, learned_through=last_seq,
                        rebuild_seconds=rebuild_seconds)


def theme_answers(db: AdminDb, site: str, feedback: SiteFeedback, theme: int) -> list[Quote]:
    """The theme's answers, newest first (at most DRILL_LIMIT), with each one's sentiment."""
    ids = feedback.by_theme.get(theme, [])[-DRILL_LIMIT:]
    texts = _texts(db, site, ids)
    return [_quote(feedback.answers[i], texts[i]) for i in reversed(ids) if i in texts]


def _theme(theme, feedback: SiteFeedback, texts: dict[str, str], now_ms: int) -> ThemeView:
    members = [feedback.answers[i] for i in feedback.by_theme.get(theme.id, [])]
    today = now_ms // DAY_MS
    per_day = [0] * TREND_DAYS
    for answer in members:
        age = today - answer.received_at // DAY_MS
        if 0 <= age < TREND_DAYS:
            per_day[TREND_DAYS - 1 - age] += 1
    scores = [a.sentiment for a in members if a.sentiment is not None]
    quotes = [_quote(feedback.answers[i], texts[i]) for i in theme.representatives if i in texts]
    alarm = feedback.alarms.get(theme.id)
    return ThemeView(
        id=theme.id, label=theme.label, phrases=list(theme.phrases), count=theme.count, per_day=per_day,
        last_week=sum(per_day[-7:]), week_before=sum(per_day[:7]),
        mean_sentiment=sum(scores) / len(scores) if scores else None, scored=len(scores),
        not_scored=len(members) - len(scores), quotes=quotes,
        surge_at=alarm if alarm is not None and alarm >= now_ms - ALERT_DAYS * DAY_MS else None)


def _quote(answer: TextAnswer, text: str) -> Quote:
    return Quote(id=answer.id, text=text, sentiment=answer.sentiment, received_at=answer.received_at,
                 survey=answer.survey, question=answer.question)


def _texts(db: AdminDb, site: str, ids: list[str]) -> dict[str, str]:
    return dict(db.all(TEXTS, [site, ids])) if ids else {}
