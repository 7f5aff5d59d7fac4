"""The survey results queries: answers with what the same visitor's decisions say about them, and display counts.

A survey answer carries no context of its own beyond its page and timings, so device, segment fields and the block
variants the visitor saw come from that visitor's decisions (same keyed hash, same site) in the SESSION_MS before the
answer: the last decision's logged context, and every block=variant shown. Time is the server's clock on both sides
(`received_at`, `decided_at`).
"""

from __future__ import annotations

from typing import NamedTuple

import orjson

SESSION_MS = 30 * 60_000  # the learner's session: a decision this long before an answer was in the same visit

ANSWERS = """
WITH a AS (
    SELECT id, visitor, question, value, choices, text, page, received_at
    FROM events
    WHERE site = $site AND type = 'survey_answer' AND survey = $survey AND received_at >= $start AND received_at < $end
), seen AS (
    SELECT a.id, arg_max(d.context, d.decided_at) AS context,
           list(DISTINCT d.block || '=' || d.variant ORDER BY d.block || '=' || d.variant) AS variants
    FROM a JOIN decisions d
      ON d.site = $site AND d.visitor = a.visitor AND d.decided_at <= a.received_at
     AND d.decided_at >= a.received_at - $session
    GROUP BY a.id
)
SELECT a.id, a.visitor, a.question, a.value, a.choices, a.text, a.page, a.received_at, seen.context, seen.variants
FROM a LEFT JOIN seen USING (id)
ORDER BY a.received_at, a.id
"""

DISPLAYS = """
SELECT count(*) FILTER (WHERE type = 'survey_shown') AS displays,
       count(DISTINCT coalesce(visitor, id)) FILTER (WHERE type = 'survey_shown') AS shown,
       count(DISTINCT coalesce(visitor, id)) FILTER (WHERE type = 'survey_dismissed') AS dismissed
FROM events
WHERE site = $site AND survey = $survey AND received_at >= $start AND received_at < $end
"""

# visitors shown the survey who answered it (an answer without a display, e.g. an inline survey whose
# survey_shown was lost, is counted among the answers but not in the rate)
ANSWERED_OF_SHOWN = """
SELECT count(DISTINCT visitor) FROM events
WHERE site = $site AND survey = $survey AND type = 'survey_answer' AND received_at >= $start AND received_at < $end
  AND visitor IN (SELECT visitor FROM events WHERE site = $site AND survey = $survey AND type = 'survey_shown'
                  AND received_at >= $start AND received_at < $end AND visitor IS NOT NULL)
"""


class Answer(NamedTuple):
    id: str
    visitor: str | None
    question: str
    value: float | None
    choices: list[str]
    text: str | None
    page: str | None
    received_at: int
    context: dict  # the visitor's last decision's logged context in the session ({}: none)
    variants: list[str]  # block=variant shown to the visitor in the session before the answer


class Displays(NamedTuple):
    displays: int  # survey_shown events
    shown: int  # visitors shown it
    dismissed: int  # visitors who dismissed it
    answered_of_shown: int  # visitors shown it who answered at least one question


def answers(cursor, *, site: str, survey: str, start: int = 0, end: int = 2**62) -> list[Answer]:
    rows = cursor.execute(ANSWERS, {"site": site, "survey": survey, "start": start, "end": end,
                                    "session": SESSION_MS}).fetchall()
    return [Answer(id=r[0], visitor=r[1], question=r[2], value=r[3], choices=orjson.loads(r[4]) if r[4] else [],
                   text=r[5], page=r[6], received_at=r[7], context=_context(r[8]), variants=list(r[9] or []))
            for r in rows]


def displays(cursor, *, site: str, survey: str, start: int = 0, end: int = 2**62) -> Displays:
    params = {"site": site, "survey": survey, "start": start, "end": end}
    shown = cursor.execute(DISPLAYS, params).fetchone()
    answered = cursor.execute(ANSWERED_OF_SHOWN, params).fetchone()[0]
    return Displays(int(shown[0]), int(shown[1]), int(shown[2]), int(answered))


def _context(text: str | None) -> dict:
    if not text:
        return {}
    try:
        found = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}
