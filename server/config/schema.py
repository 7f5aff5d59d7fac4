"""The configuration's shape, checked by msgspec so an error names the exact key."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct, field

from online_learning import reward
from online_learning.policies import PolicyKind

Identifier = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")]
SiteKey = Annotated[str, Meta(pattern=r"^pk_[A-Za-z0-9_]{1,60}$")]
Share = Annotated[float, Meta(ge=0.0, le=1.0)]
# bounds on every float also refuse NaN and ±inf: a non-finite weight would teach every policy NaN
Weight = Annotated[float, Meta(ge=-100.0, le=100.0)]
SplitShare = Annotated[float, Meta(ge=0.0, le=1000.0)]  # relative shares: 3 = 1, 75 = 25, or per mille
ConditionValue = str | int | bool | list[str | int | bool]


_WEIGHTS = reward.RewardWeights()  # the learner's type holds the defaults; this one checks the config file's keys


class RewardWeights(Struct, forbid_unknown_fields=True, kw_only=True):
    """What each response is worth, each within [-100, 100]; `default` is the reward when nothing follows."""

    click: Weight = _WEIGHTS.click
    thumbs_up: Weight = _WEIGHTS.thumbs_up
    thumbs_down: Weight = _WEIGHTS.thumbs_down
    stars: Weight = _WEIGHTS.stars
    dismiss: Weight = _WEIGHTS.dismiss
    default: Weight = _WEIGHTS.default

    def for_learning(self) -> reward.RewardWeights:
        return reward.RewardWeights(**{f: getattr(self, f) for f in self.__struct_fields__})


class Variant(Struct, forbid_unknown_fields=True):
    id: Identifier
    content: dict[str, str] = {}


class Rule(Struct, forbid_unknown_fields=True, kw_only=True):
    """When every condition in `when` holds, show `force`, or only `only`, or anything but `exclude`."""

    name: Annotated[str, Meta(min_length=1, max_length=120)]
    when: dict[str, ConditionValue]
    force: Identifier | None = None
    only: list[Identifier] | None = None
    exclude: list[Identifier] | None = None


class Block(Struct, forbid_unknown_fields=True, kw_only=True):
    id: Identifier
    variants: Annotated[list[Variant], Meta(min_length=1)]
    fallback: Identifier
    enabled: bool = True
    policy: PolicyKind = "contextual"
    split: dict[str, SplitShare] | None = None
    exploration: Share = 0.02
    feedback: Literal["thumbs", "stars", "none"] = "thumbs"
    rules: list[Rule] = []
    # a known visitor sees the same decision for a session (ends after sticky_minutes idle, default 30) or as a
    # visitor (for sticky_minutes after the decision, default 30 days); "none": a new decision on every call
    sticky: Literal["none", "session", "visitor"] = "session"
    sticky_minutes: Annotated[int, Meta(ge=1, le=366 * 24 * 60)] | None = None


class Interest(Struct, forbid_unknown_fields=True):
    """A topic visitors may choose in the preference center; chosen, it reaches decide as trait `interest_<id>`."""

    id: Identifier
    label: Annotated[str, Meta(min_length=1, max_length=120)]


Days = Annotated[int, Meta(ge=1, le=36_500)]


class Retention(Struct, forbid_unknown_fields=True, kw_only=True):
    """How long each kind of row is kept; a background job deletes what is older."""

    behaviour_days: Days = 90  # decisions, impressions, clicks, dismissals, timings
    feedback_days: Days = 730  # ratings and survey answers
    consent_days: Days = 1825  # consent and erasure receipts: the proof a site shows a regulator


CategoryName = Literal["personalization", "feedback", "measurement"]
ConsentSourceName = Literal["attune", "tcf", "gcm"]


class CategoryTexts(Struct, forbid_unknown_fields=True, kw_only=True):
    label: Annotated[str, Meta(min_length=1, max_length=80)]
    description: Annotated[str, Meta(min_length=1, max_length=600)]


class Privacy(Struct, forbid_unknown_fields=True, kw_only=True):
    """The visitor side of consent: banner, preference center texts, interests, retention, data minimisation."""

    banner: bool = False  # show Attune's own consent banner (opt-in sites without a consent platform)
    policy_version: Annotated[str, Meta(min_length=1, max_length=64)] = "1"  # the consent text's version, on receipts
    # where consent is read from, first that has an answer wins: Attune's banner, preference center and push
    # commands ("attune"), the IAB TCF v2.2 __tcfapi ("tcf"), Google Consent Mode v2 ("gcm")
    sources: Annotated[list[ConsentSourceName], Meta(min_length=1, max_length=3)] = field(default_factory=lambda: ["attune"])
    categories: dict[CategoryName, CategoryTexts] = {}  # rename a category or change its text (default language)
    texts: dict[Annotated[str, Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")], dict[str, str]] = {}  # per language
    interests: Annotated[list[Interest], Meta(max_length=32)] = []
    accepted_traits: list[Annotated[str, Meta(max_length=64)]] | None = None  # None: any trait; else others are dropped
    retention: Retention = field(default_factory=Retention)


class Site(Struct, forbid_unknown_fields=True, kw_only=True):
    key: SiteKey
    name: str = ""
    allowed_origins: list[str] = []
    consent: Literal["opt-in", "opt-out", "none"] = "opt-out"
    reward_window: Annotated[int, Meta(ge=1, le=7 * 24 * 3600)] = 600
    reward_weights: RewardWeights = field(default_factory=RewardWeights)
    holdout_share: Annotated[float, Meta(ge=0.0, le=0.5)] = 0.05
    blocks: list[Block] = []
    privacy: Privacy = field(default_factory=Privacy)
    # the site's words for a context value in "Why am I seeing this?": "referrer=direct" = "you typed our address"
    explain_labels: Annotated[dict[Annotated[str, Meta(pattern=r"^[^=&]+=[^&]+$", max_length=160)],
                                   Annotated[str, Meta(min_length=1, max_length=200)]], Meta(max_length=200)] = {}


class Config(Struct, forbid_unknown_fields=True):
    sites: Annotated[list[Site], Meta(min_length=1)]
