"""Satisfaction answers with the page's technical context: survey answers to NPS, CSAT, CES and thumbs questions,
and block ratings (thumbs or stars, as the rated decision logged), each with TTFB, LCP, decide time and JS errors
as the widget sent them."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from server.config.schema import Site

QUERY = """
SELECT e.type, e.survey, e.question, e.value, d.feedback, e.lcp_ms, e.ttfb_ms, e.decide_ms, e.js_errors
FROM events e LEFT JOIN decisions d ON e.type = 'rating' AND d.site = e.site AND d.decision_id = e.decision_id
WHERE e.site = $site AND e.type IN ('survey_answer', 'rating') AND e.value IS NOT NULL
  AND e.received_at >= $start AND e.received_at < $end
"""


class Rated(NamedTuple):
    kind: str  # nps | csat | ces | thumbs | stars
    value: float
    lcp_ms: float | None
    ttfb_ms: float | None
    decide_ms: float | None
    js_errors: int | None


def satisfaction_answers(cursor, *, site: Site, start: int = 0, end: int = 2**62) -> list[Rated]:
    """Answers whose question (as configured now) measures satisfaction; answers to deleted questions are left out."""
    kinds = {(s.id, q.id): q.type for s in site.surveys for q in s.questions
             if q.type in ("nps", "csat", "ces", "thumbs")}
    found = []
    for kind_of_event, survey, question, value, feedback, lcp, ttfb, decide, errors in cursor.execute(
            QUERY, {"site": site.key, "start": start, "end": end}).fetchall():
        if kind_of_event == "rating":
            kind = feedback if feedback in ("thumbs", "stars") else ("stars" if value > 1 else None)
        else:
            kind = kinds.get((survey, question))
        if kind is not None:
            found.append(Rated(kind, float(value), lcp, ttfb, decide, errors))
    return found
