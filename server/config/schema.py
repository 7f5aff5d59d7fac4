"""The configuration's shape, checked by msgspec so an error names the exact key."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct, field

from online_learning import reward
from online_learning.policies import PolicyKind
from server.config import surveys_schema  # Survey, Interrupts; it reads this module's types lazily

Identifier = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")]
SiteKey = Annotated[str, Meta(pattern=r"^pk_[A-Za-z0-9_]{1,60}$")]
Share = Annotated[float, Meta(ge=0.0, le=1.0)]
# bounds on every float also refuse NaN and ±inf: a non-finite weight would teach every policy NaN
Weight = Annotated[float, Meta(ge=-100.0, le=100.0)]
SplitShare = Annotated[float, Meta(ge=0.0, le=1000.0)]  # relative shares: 3 = 1, 75 = 25, or per mille
Scalar = str | int | bool
# a comparison's bound: an int, or a finite float (the bounds refuse NaN and ±inf); never a bool
Bound = int | Annotated[float, Meta(ge=-1e15, le=1e15)]


class Comparison(Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """A condition on a number, `{ gte = 2 }`, or on a value among several, `{ in = [..] }`; all given keys hold."""

    gte: Bound | None = None
    gt: Bound | None = None
    lte: Bound | None = None
    lt: Bound | None = None
    in_: Annotated[list[Scalar], Meta(min_length=1, max_length=100)] | None = field(default=None, name="in")

    def __post_init__(self) -> None:
        if all(getattr(self, name) is None for name in self.__struct_fields__):
            raise ValueError("a comparison needs at least one of gte, gt, lte, lt or in")


# a condition: a value, a list (any of them), or a comparison table
ConditionValue = Scalar | list[Scalar] | Comparison
_RawCondition = Scalar | list[Scalar] | dict[str, Any]  # as read; checked_conditions names the key of a bad one


def checked_conditions(when: dict[str, Any]) -> dict[str, ConditionValue]:
    """`when` with each table made a Comparison; a ValueError names the condition, e.g. `when.pricing_views.gte`."""
    checked: dict[str, ConditionValue] = {}
    for key, value in when.items():
        if isinstance(value, dict):
            try:
                value = msgspec.convert(value, Comparison)
            except msgspec.ValidationError as error:
                message, _, path = str(error).partition(" - at `$")
                hint = " (a comparison takes gte, gt, lte, lt or in)" if "unknown field" in message else ""
                raise ValueError(f"when.{key}{path.rstrip('`')}: {message}{hint}") from None
        checked[key] = value
    return checked


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
    when: dict[str, _RawCondition]  # each a ConditionValue once built: __post_init__ checks the tables
    force: Identifier | None = None
    only: list[Identifier] | None = None
    exclude: list[Identifier] | None = None

    def __post_init__(self) -> None:
        self.when = checked_conditions(self.when)


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


MAX_PAGE_GROUPS = 20
_GROUP_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Counters(Struct, forbid_unknown_fields=True, kw_only=True):
    """Behavioural counters per consenting visitor: `<group>_views` counts page views whose path matches a glob
    of the group (`pricing = ["/pricing*"]`); sessions, days_since_first and `<event>_count` need no config."""

    page_groups: dict[str, list[str]] = {}

    def __post_init__(self) -> None:
        if len(self.page_groups) > MAX_PAGE_GROUPS:
            raise ValueError(f"page_groups: at most {MAX_PAGE_GROUPS} groups, not {len(self.page_groups)}")
        for name, globs in self.page_groups.items():
            if not _GROUP_NAME.match(name):
                raise ValueError(f"page_groups.{name}: a group name is lower-case letters, digits and _ "
                                 "(it becomes the counter `<name>_views`)")
            if not 1 <= len(globs) <= 20:
                raise ValueError(f"page_groups.{name}: give 1 to 20 path globs, like [\"/pricing*\"]")
            for glob in globs:
                if not glob.startswith("/") or len(glob) > 200 or any(c.isspace() for c in glob):
                    raise ValueError(f"page_groups.{name}: {glob!r} is not a path glob like \"/pricing*\"")


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
    counters: Counters | None = None  # None: no behavioural counters are kept for this site's visitors
    # the site's words for a context value in "Why am I seeing this?": "referrer=direct" = "you typed our address"
    explain_labels: Annotated[dict[Annotated[str, Meta(pattern=r"^[^=&]+=[^&]+$", max_length=160)],
                                   Annotated[str, Meta(min_length=1, max_length=200)]], Meta(max_length=200)] = {}
    surveys: Annotated[list[surveys_schema.Survey], Meta(max_length=50)] = []  # see server/config/surveys_schema.py
    interrupts: surveys_schema.Interrupts = field(default_factory=lambda: surveys_schema.Interrupts())


class Config(Struct, forbid_unknown_fields=True):
    sites: Annotated[list[Site], Meta(min_length=1)]
