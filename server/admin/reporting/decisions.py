"""Recent decisions, searchable, with the explanation the visitor was shown (as logged with the decision)."""

from __future__ import annotations

import orjson
from msgspec import Struct

from server.decide import explain

LIMIT = 50
NOT_LOGGED = " (rebuilt from the reason: this decision was logged before its explanation was kept)"


class DecisionView(Struct):
    decision_id: str
    at: int
    block: str
    variant: str
    candidates: list[str]
    propensity: float
    policy: str | None
    reason: str | None
    explored: bool | None
    holdout: bool | None
    context: dict
    summary: str  # what "Why am I seeing this?" told the visitor
    summary_logged: bool  # False for decisions logged before the summary was kept: rebuilt from the reason
    reason_words: str = ""  # the reason code in English words, as the widget's dialog says it


def search(cursor, *, site: str, block: str | None = None, variant: str | None = None, reason: str | None = None,
           text: str | None = None, limit: int = LIMIT) -> list[DecisionView]:
    """Newest first; `text` matches a decision id prefix or anything in the logged context."""
    where, params = ["site = ?"], [site]
    for column, value in (("block", block), ("variant", variant), ("reason", reason)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if text:
        where.append("(starts_with(decision_id, ?) OR contains(lower(context), lower(?)))")
        params += [text, text]
    rows = cursor.execute(
        "SELECT decision_id, decided_at, block, variant, candidates, propensity, policy, reason, explored, holdout, "
        f"context, summary FROM decisions WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
        [*params, min(limit, 500)]
    ).fetchall()
    return [_view(row) for row in rows]


def _view(row: tuple) -> DecisionView:
    decision_id, at, block, variant, candidates, propensity, policy, reason, explored, holdout, context, summary = row
    return DecisionView(decision_id=decision_id, at=at, block=block, variant=variant, candidates=candidates or [],
                        propensity=propensity, policy=policy, reason=reason, explored=explored, holdout=holdout,
                        context=orjson.loads(context) if context else {},
                        summary=summary if summary is not None else _rebuilt(reason, policy or ""),
                        summary_logged=summary is not None, reason_words=explain.REASONS.get(reason or "", ""))


def _rebuilt(reason: str | None, policy: str) -> str:
    """For decisions logged without their summary: the generic text for the reason, never today's rules."""
    if reason in ("disabled", "holdout", "only_option"):
        return explain.for_fallback(reason, policy).summary + NOT_LOGGED
    if reason in ("exploration", "split", "personalization_off"):
        text = explain.for_choice(policy="uniform" if reason == "split" else policy, explored=reason == "exploration",
                                  personalized=reason != "personalization_off", contributions=[], rule=None).summary
        return text + NOT_LOGGED
    return f"({reason or 'no reason'}: the explanation shown was not logged for this decision)"
