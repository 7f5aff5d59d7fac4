"""The public transparency page: the main parameters of a site's recommender system (EU DSA Art. 27), in plain words.

`GET /transparency/{site}` is HTML for people, `GET /transparency/{site}.json` the same statement as JSON. Both
are generated from the live configuration, so they change the moment an editor changes a block, and neither
reads anything about any visitor.
"""

from __future__ import annotations

import functools
from pathlib import Path

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from msgspec import Struct

from server.config.schema import Block, Site
from server.decide.rules import describe_condition
from server.sites import SiteRegistry

TEMPLATES = Path(__file__).with_name("templates")
JSON_SUFFIX = ".json"  # a site key never holds a dot, so the suffix cannot be part of one
# a page with nothing to run and nothing to load: no script, style or frame can be injected into it
CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors *"

HOW = {
    "uniform": "Picks one of its versions at random for every visit; nothing about the visitor is used.",
    "fixed": "Shows its versions in fixed proportions ({split}), picked at random; nothing about the visitor is used.",
    "thompson": "Learns which version visitors as a whole respond to best, and shows it more often; nothing about "
                "the individual visitor is used to choose.",
    "contextual": "Learns which version suits each situation, and chooses with what is known about this visit "
                  "and visitor (listed under the signals).",
}
RESPONSES = "how visitors responded to what they were shown: impressions, clicks, dismissals and ratings"
SIGNALS = {
    "uniform": [],
    "fixed": [],
    "thompson": [RESPONSES + ", counted for all visitors together"],
    "contextual": ["the context the page sends about the visit (for example the page, the device, the time of day)",
                   "traits the site sends about the visitor{traits}",
                   "the interests the visitor chose in the preference center", RESPONSES],
}
CONSENT = {
    "opt-in": "Personalization starts only after the visitor agrees; until then everyone sees the non-profiled "
              "default.",
    "opt-out": "Personalization is on until the visitor turns it off; a browser's Global Privacy Control signal "
               "(Sec-GPC) turns it off unless the visitor has explicitly agreed on this site.",
    "none": "The site does not ask for consent through Attune (it relies on another legal basis); visitors can "
            "still turn personalization off.",
}


class BlockStatement(Struct, kw_only=True):
    block: str
    enabled: bool
    policy: str
    how: str  # in plain words
    signals: list[str]
    exploration_share: float | None  # learning policies: the share of choices spread evenly to keep learning
    variants: int
    ratings: str | None  # what rating it down does, when visitors can rate it
    rules: list[str]


class Retention(Struct, kw_only=True):
    behaviour_days: int
    feedback_days: int
    consent_days: int


class Transparency(Struct, kw_only=True):
    site: str
    name: str
    consent: str
    consent_in_words: str
    personalization_can_be_turned_off: bool
    non_profiled_default: str
    holdout_share: float
    optimises_for: str
    blocks: list[BlockStatement]
    accepted_traits: list[str] | None  # None: any trait the site sends
    interests: list[dict[str, str]]
    retention: Retention
    privacy_sources: list[str]


def describe(site: Site) -> Transparency:
    """What a visitor (or a regulator) needs to know about how `site` chooses what to show."""
    privacy = site.privacy
    weights = site.reward_weights
    return Transparency(
        site=site.key, name=site.name or site.key, consent=site.consent, consent_in_words=CONSENT[site.consent],
        personalization_can_be_turned_off=True,
        non_profiled_default="With personalization off, nothing about the visitor is used or kept: each block shows "
                             "what visitors as a whole respond to best (or its standard version), the same for "
                             "everyone in the same place.",
        holdout_share=site.holdout_share,
        optimises_for=f"Each choice aims at what visitors respond to: a click counts {weights.click:g}, a thumbs up "
                      f"{weights.thumbs_up:g}, a thumbs down {weights.thumbs_down:g}, a dismissal "
                      f"{weights.dismiss:g}, and no response {weights.default:g}.",
        blocks=[_block(block, privacy.accepted_traits) for block in site.blocks],
        accepted_traits=privacy.accepted_traits,
        interests=[{"id": i.id, "label": i.label} for i in privacy.interests],
        retention=Retention(**msgspec.structs.asdict(privacy.retention)),
        privacy_sources=list(privacy.sources),
    )


def _block(block: Block, accepted_traits: list[str] | None) -> BlockStatement:
    split = ", ".join(f"{variant} {share:g}" for variant, share in (block.split or {}).items()) or "equal shares"
    traits = f" (only these: {', '.join(accepted_traits)})" if accepted_traits else ""
    learning = block.policy in ("thompson", "contextual")
    return BlockStatement(
        block=block.id, enabled=block.enabled, policy=block.policy,
        how=HOW[block.policy].format(split=split) if block.enabled else "Switched off: everyone sees the standard "
                                                                        "version.",
        signals=[s.format(traits=traits) for s in SIGNALS[block.policy]] if block.enabled else [],
        exploration_share=block.exploration if learning else None, variants=len(block.variants),
        ratings=None if block.feedback == "none" else "A version a visitor rates down (a thumbs down, or one or two "
                                                      "stars) is not shown to that visitor again.",
        rules=[f"“{rule.name}”: when {describe_condition(rule)}" for rule in block.rules],
    )


@functools.cache
def _template():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    environment.filters["pct"] = lambda share: f"{share * 100:g}%"
    return environment.get_template("transparency.html")


def render_page(statement: Transparency) -> str:
    return _template().render(t=statement)


class TransparencyController(Controller):
    path = "/transparency"
    include_in_schema = False  # a page (and its JSON twin) for people and crawlers; documented in the README

    @get("/{site:str}", sync_to_thread=False)
    def statement(self, site: FromPath[str], site_registry: NamedDependency[SiteRegistry]) -> Response:
        as_json = site.endswith(JSON_SUFFIX)
        statement = describe(site_registry.site(site.removesuffix(JSON_SUFFIX)))  # unknown: 404 naming it
        headers = {"cache-control": "public, max-age=60", "content-security-policy": CSP,
                   "x-content-type-options": "nosniff"}
        if as_json:
            return Response(msgspec.json.encode(statement), media_type="application/json",
                            headers={**headers, "access-control-allow-origin": "*"})
        return Response(render_page(statement), media_type="text/html; charset=utf-8", headers=headers)
