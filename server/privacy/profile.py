"""What the preference center shows a visitor: interests, known traits, ratings and what each changed, consents."""

from __future__ import annotations

import orjson

from online_learning.features import context_features
from server.decide.schemas import ContextValue
from server.decide.service import shares
from server.feedback.suppression import SuppressionStore, is_rated_down
from server.privacy import store
from server.privacy.effects import is_rated_up, rating_effect
from server.privacy.schemas import RatingRecord
from server.sites import SiteRegistry

TRAIT = "trait_"
INTEREST = "interest_"


def known_traits(contexts: list[tuple[str, list[str], str]], interests: list[str]) -> dict[str, ContextValue]:
    """Each trait's latest non-null value from the logged contexts (newest first), then the chosen interests.

    Interests come from the saved choice alone: one the visitor dropped stays out, whatever was logged before.

    >>> newest, older = '{"device": "mobile", "trait_plan": "pro"}', '{"trait_plan": "free", "trait_age": null}'
    >>> known_traits([("hero", [], newest), ("hero", [], older), ("hero", [], '{"trait_interest_tea": true}')],
    ...              ["running"])
    {'plan': 'pro', 'interest_running': True}
    """
    traits: dict[str, ContextValue] = {}
    for _, _, text in contexts:
        for key, value in orjson.loads(text).items():
            if key.startswith(TRAIT) and not key.startswith(TRAIT + INTEREST) and value is not None:
                traits.setdefault(key[len(TRAIT):], value)
    return {**traits, **{f"{INTEREST}{interest}": True for interest in interests}}


class ShareNow:
    """The share of choices a variant gets today for the visitor's last context on its block (None: unknown)."""

    def __init__(self, *, sites: SiteRegistry, site: str, contexts: list[tuple[str, list[str], str]]) -> None:
        self.sites, self.site = sites, site
        self.last = {}
        for block, candidates, text in contexts:
            self.last.setdefault(block, (candidates, text))
        self._known: dict[tuple[str, str], float | None] = {}

    def __call__(self, block_id: str, variant: str) -> float | None:
        if (block_id, variant) not in self._known:
            self._known[(block_id, variant)] = self._work_out(block_id, variant)
        return self._known[(block_id, variant)]

    def _work_out(self, block_id: str, variant: str) -> float | None:
        block = self.sites.blocks.get((self.site, block_id))
        policy = self.sites.policy_for(self.site, block_id)
        if block is None or policy is None:
            return None
        candidates, text = self.last.get(block_id, ([], "{}"))
        if variant not in candidates:
            candidates = [v.id for v in block.variants]
        if variant not in candidates or len(candidates) < 2:
            return None
        _, probabilities = shares(block, policy, candidates, context_features(orjson.loads(text)))
        return probabilities[candidates.index(variant)]


def rating_records(rows: list[store.RatingRow], *, site: str, visitor: str, suppression: SuppressionStore,
                   share_now: ShareNow) -> list[RatingRecord]:
    records = []
    for row in rows:
        down, up = is_rated_down(row.feedback, row.value), is_rated_up(row.feedback, row.value)
        hidden = down and row.variant in suppression.suppressed(
            site=site, visitor=visitor, block=row.block)
        effect = rating_effect(variant=row.variant, rated_down=down, rated_up=up, hidden=hidden,
                               rated_at=row.rated_at, share_then=row.propensity,
                               share_now=share_now(row.block, row.variant) if up else None)
        records.append(RatingRecord(
            decision_id=row.decision_id, block=row.block, variant=row.variant,
            feedback=row.feedback if row.feedback in ("thumbs", "stars") else None, value=row.value,
            rated_at=row.rated_at, hidden=hidden, effect=effect))
    return records


def survey_answers(events: list[dict]) -> list[dict]:
    """The visitor's survey answers among their exported events, each as they gave it (text exactly as written).

    >>> survey_answers([{"type": "click"}, {"type": "survey_answer", "survey": "nps", "question": "why",
    ...                  "value": None, "choices": None, "text": "<b>slow</b>", "page": "/", "language": "en",
    ...                  "received_at": 5}])
    [{'survey': 'nps', 'question': 'why', 'value': None, 'choices': None, 'text': '<b>slow</b>', 'page': '/',
      'language': 'en', 'answered_at': 5}]
    """
    return [
        {"survey": e["survey"], "question": e["question"], "value": e["value"],
         "choices": orjson.loads(e["choices"]) if e["choices"] else None, "text": e["text"], "page": e["page"],
         "language": e.get("language"), "answered_at": e["received_at"]}
        for e in events if e["type"] == "survey_answer"
    ]
