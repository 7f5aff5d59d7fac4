"""The JSON admin API's bodies and answers (msgspec Structs; the OpenAPI document shows them)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from server.config.schema import RewardWeights, Share


class Login(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    password: Annotated[str, Meta(min_length=1, max_length=1024)]


class Me(Struct):
    name: str
    role: str
    can_edit: bool


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
    policy: Literal["uniform", "fixed", "thompson", "contextual"] | UnsetType = UNSET
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


class UserView(Struct):
    name: str
    role: str


class NewUser(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    role: Literal["viewer", "editor"] = "viewer"
    password: Annotated[str, Meta(max_length=1024)] | None = None  # none: one is made and returned once


class CreatedUser(Struct):
    name: str
    role: str
    password: str | None  # the generated password, shown this once; None when one was given


class PasswordChange(Struct, forbid_unknown_fields=True):
    current: Annotated[str, Meta(min_length=1, max_length=1024)]
    new: Annotated[str, Meta(min_length=1, max_length=1024)]
