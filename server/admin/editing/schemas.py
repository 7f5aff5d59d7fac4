"""The editing API's bodies and answers (msgspec Structs; the OpenAPI document shows them), and the forms."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from online_learning.policies.registry import PolicyKind
from server.config.schema import RewardWeights, Share


class BlockSummary(Struct):
    id: str
    enabled: bool
    policy: str
    fallback: str
    variants: list[str]
    rules: int


class SiteView(Struct):
    key: str
    name: str
    allowed_origins: list[str]
    consent: str
    reward_window: int
    reward_weights: RewardWeights
    holdout_share: float
    blocks: list[BlockSummary]
    snippet: str | None  # the script tag to paste, pinned to this widget build with its SRI hash
    integrity: str | None


class SitePatch(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields given change; each is checked as the config file's key of the same name."""

    name: str | UnsetType = UNSET
    allowed_origins: list[str] | UnsetType = UNSET
    consent: Literal["opt-in", "opt-out", "none"] | UnsetType = UNSET
    reward_window: int | UnsetType = UNSET
    reward_weights: RewardWeights | UnsetType = UNSET
    holdout_share: float | UnsetType = UNSET


class BlockPatch(Struct, forbid_unknown_fields=True, omit_defaults=True):
    enabled: bool | UnsetType = UNSET
    policy: PolicyKind | UnsetType = UNSET
    fallback: str | UnsetType = UNSET
    exploration: Share | UnsetType = UNSET
    feedback: Literal["thumbs", "stars", "none"] | UnsetType = UNSET
    split: dict[str, float] | None | UnsetType = UNSET


class VariantBody(Struct, forbid_unknown_fields=True):
    content: dict[str, str]
    id: str | None = None  # a new id renames the variant (fallback, split and rules follow)


class Applied(Struct):
    version: int  # the live configuration's version after this change
    summary: str
    stripped: list[str] = []  # what sanitising removed from variant HTML


class PreviewBody(Struct, forbid_unknown_fields=True):
    html: Annotated[str, Meta(max_length=60_000)]


class Preview(Struct):
    html: str  # sanitised, as the widget would insert it
    stripped: list[str]


class ConfigText(Struct):
    toml: str
    version: int | None = None


class ConfigBody(Struct, forbid_unknown_fields=True):
    toml: Annotated[str, Meta(max_length=60_000)]


class ConfigPreview(Struct):
    valid: bool
    error: str | None
    diff: str  # unified diff from the live configuration (as exported) to the one given


class SiteForm(Struct):
    """The site page's form; a field left out stays out (the page shows what was typed after a refusal)."""

    name: str | None = None
    allowed_origins: str | None = None
    consent: str | None = None
    reward_window: str | None = None
    holdout_share: str | None = None
    w_click: str | None = None
    w_thumbs_up: str | None = None
    w_thumbs_down: str | None = None
    w_stars: str | None = None
    w_dismiss: str | None = None
    w_default: str | None = None


class ToggleForm(Struct):
    enabled: str | None = None  # a checkbox: "on", or absent


class BlockForm(Struct):
    enabled: str | None = None
    policy: str | None = None
    fallback: str | None = None
    exploration: str = "0"
    feedback: str | None = None
    split: str = ""  # "variant = share" per line


class RulesForm(Struct):
    rules: str = ""  # [[rules]] tables, as in the config file


class ConfigForm(Struct):
    toml: str = ""
