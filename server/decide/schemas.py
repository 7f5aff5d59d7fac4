"""The decide wire contract (v1)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

MAX_BLOCKS = 20
MAX_CONTEXT_FIELDS = 32

ContextInt = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]  # 64-bit signed: the most orjson writes to the log
ContextValue = Annotated[str, Meta(max_length=256)] | ContextInt | float | bool
BlockId = Annotated[str, Meta(min_length=1, max_length=64)]
VisitorId = Annotated[str, Meta(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$")]


class DecideRequest(Struct, forbid_unknown_fields=False, kw_only=True):
    site: Annotated[str, Meta(min_length=1, max_length=64)]
    blocks: Annotated[list[BlockId], Meta(min_length=1, max_length=MAX_BLOCKS)]
    visitor: VisitorId | None = None
    context: Annotated[dict[Annotated[str, Meta(max_length=64)], ContextValue], Meta(max_length=MAX_CONTEXT_FIELDS)] = {}
    traits: Annotated[dict[Annotated[str, Meta(max_length=64)], ContextValue], Meta(max_length=MAX_CONTEXT_FIELDS)] = {}
    personalization: bool = True  # False: the non-profiled choice (visitor turned it off, or GPC)
    consented: bool = False  # the visitor explicitly allowed personalization on this site: wins over Sec-GPC: 1


class FactorField(Struct, kw_only=True):
    field: str  # a context field or trait, e.g. "referrer"
    value: str  # its value as sent, e.g. "direct": the widget says it in the page's language
    label: str | None = None  # the site's own words for this field=value ([sites.explain_labels]), if it has some


class Factor(Struct):
    feature: str  # as the model names it: "device=mobile&returning=false"
    label: str  # the factor in English words, for old clients
    weight: float
    fields: list[FactorField] = []  # what the factor is made of: none for the bias, two for a pair


Reason = Literal["model", "exploration", "rule", "holdout", "disabled", "personalization_off", "split", "only_option"]


class Explain(Struct, kw_only=True):
    reason: Reason
    summary: str
    policy: str
    explored: bool = False
    rule: str | None = None
    factors: list[Factor] = []
    signal: Literal["gpc"] | None = None  # the browser's privacy signal (Sec-GPC: 1) turned personalization off


class Decision(Struct, kw_only=True):
    block: str
    decision_id: str
    variant: str
    content: dict[str, str]
    propensity: float
    explain: Explain
    feedback: Literal["thumbs", "stars"] | None


class PrivacyHints(Struct, kw_only=True):
    """What the widget needs to ask for consent: whether to show the banner, where consent is read from."""

    banner: bool
    sources: list[Literal["attune", "tcf", "gcm"]]  # first with an answer wins
    policy_version: str  # the consent text's version, quoted on receipts
    surveys: bool = False  # the site has an enabled survey: the widget loads its survey part


class DecideResponse(Struct, kw_only=True):
    decisions: list[Decision]
    privacy: PrivacyHints
    warnings: list[str]  # what the server dropped from the request (traits the site does not accept), by name
    consent: Literal["opt-in", "opt-out", "none"] = "opt-out"  # the site's mode, so the widget can gate storage
