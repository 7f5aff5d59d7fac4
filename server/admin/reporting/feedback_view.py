"""The Feedback page's figures per theme: count, trend (per day, this week against the week before), mean sentiment,
three representative quotes, and whether its negative volume surged; and a theme's answers for the drill-down.

Texts are read from the log when shown (never from memory), so an erased or expired answer is never quoted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec import Struct

from server.admin.reporting.results_filter import DAY_MS

if TYPE_CHECKING:
    from server.feedback.intelligence import FeedbackIntelligence, SiteFeedback, TextAnswer
    from server.storage.admin_db import AdminDb

TREND_DAYS = 14
ALERT_DAYS = 7  # an alarm raised by an answer of the last 7 days shows the banner
DRILL_LIMIT = 500
CATCHING_UP_FROM = 100  # answers not yet learned: fewer is the usual lag of a few seconds, not a catch-up
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


class FeedbackView(Struct, kw_only=True):
    themes: list[ThemeView]
    answers: int  # text answers of this site learned (and still in the log)
    unthemed: int
    learned_through: int  # the log position learned up to
    rebuild_seconds: float | None  # how long the first pass after the start took (None: still in it)
    catching_up: bool  # the background learner is far behind the log: the figures are what is learned so far
    learned_all_sites: int  # N of "catching up: N of M answers" (every site's text answers)
    logged_all_sites: int  # M: N plus those logged but not learned yet


def feedback_view(db: AdminDb, site: str, feedback: SiteFeedback, *, now_ms: int,
                  intelligence: FeedbackIntelligence) -> FeedbackView:
    live = {theme: len(members) for theme, members in feedback.by_theme.items()}  # without erased answers
    themes = sorted((t for t in feedback.themes.themes() if live.get(t.id)), key=lambda t: (-live[t.id], t.id))
    wanted = [a for t in themes for a in t.representatives]
    texts = _texts(db, site, wanted)
    views = [_theme(t, feedback, texts, now_ms) for t in themes]
    unthemed = sum(1 for a in feedback.answers.values() if a.theme is None)
    learned, behind = intelligence.learned(), intelligence.behind
    return FeedbackView(themes=views, answers=len(feedback.answers), unthemed=unthemed,
                        learned_through=intelligence.last_seq, rebuild_seconds=intelligence.rebuild_seconds,
                        catching_up=intelligence.rebuild_seconds is None or behind >= CATCHING_UP_FROM,
                        learned_all_sites=learned, logged_all_sites=learned + behind)


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
        id=theme.id, label=theme.label, phrases=list(theme.phrases), count=len(members), per_day=per_day,
        last_week=sum(per_day[-7:]), week_before=sum(per_day[:7]),
        mean_sentiment=sum(scores) / len(scores) if scores else None, scored=len(scores),
        not_scored=len(members) - len(scores), quotes=quotes,
        surge_at=alarm if alarm is not None and alarm >= now_ms - ALERT_DAYS * DAY_MS else None)


def _quote(answer: TextAnswer, text: str) -> Quote:
    return Quote(id=answer.id, text=text, sentiment=answer.sentiment, received_at=answer.received_at,
                 survey=answer.survey, question=answer.question)


def _texts(db: AdminDb, site: str, ids: list[str]) -> dict[str, str]:
    return dict(db.all(TEXTS, [site, ids])) if ids else {}
