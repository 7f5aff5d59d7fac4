"""Recent decisions, searchable, with the explanation a visitor saw (rebuilt from the logged reason)."""

from __future__ import annotations

import orjson
from msgspec import Struct

from server.decide import explain
from server.decide.rules import apply_rules

LIMIT = 50


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
    summary: str  # what "Why am I seeing this?" told the visitor, as far as the log can say


def search(cursor, *, site: str, block: str | None = None, variant: str | None = None, reason: str | None = None,
           text: str | None = None, limit: int = LIMIT, blocks: dict | None = None) -> list[DecisionView]:
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
        f"context FROM decisions WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?", [*params, min(limit, 500)]
    ).fetchall()
    return [_view(row, blocks) for row in rows]


def _view(row: tuple, blocks: dict | None) -> DecisionView:
    decision_id, at, block, variant, candidates, propensity, policy, reason, explored, holdout, context = row
    facts = orjson.loads(context) if context else {}
    return DecisionView(decision_id=decision_id, at=at, block=block, variant=variant, candidates=candidates or [],
                        propensity=propensity, policy=policy, reason=reason, explored=explored, holdout=holdout,
                        context=facts, summary=_summary(reason, policy or "", facts, blocks, block))


def _summary(reason: str | None, policy: str, facts: dict, blocks: dict | None, block_id: str) -> str:
    if reason in ("disabled", "holdout", "only_option"):
        return explain.for_fallback(reason, policy).summary
    if reason == "rule" and blocks is not None:
        block = blocks.get(block_id)
        if block is not None:  # the first rule the logged context meets, under today's rules
            facts = {k.removeprefix("trait_"): v for k, v in facts.items()}
            _, rule = apply_rules(block.rules, facts, [v.id for v in block.variants])
            if rule is not None:
                return explain.for_rule(rule, policy).summary
        return "A rule of the site chose this (the rule has changed since)."
    if reason in ("model", "exploration", "split", "personalization_off"):
        personalized = reason != "personalization_off"
        text = explain.for_choice(policy=policy if reason != "split" else "uniform", explored=reason == "exploration",
                                  personalized=personalized, contributions=[], rule=None).summary
        return text if reason != "model" else text + " (the factors shown are not logged)"
    return reason or ""
