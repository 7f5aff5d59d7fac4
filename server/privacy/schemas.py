"""The visitor endpoints' wire contract (v1): consent receipts, the preference center, export and erasure.

The visitor id (128 random bits, first-party) is the credential: it is hashed with the site's key like
everywhere else, and no answer tells whether an id was ever seen (an unknown id reads as an empty profile).
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from server.decide.schemas import ContextValue, VisitorId

SiteField = Annotated[str, Meta(min_length=1, max_length=64)]
InterestId = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")]
ConsentSource = Literal["banner", "preferences", "api", "tcf", "gcm", "gpc"]
MAX_INTERESTS = 32


class Categories(Struct, forbid_unknown_fields=True):
    """The three consent categories; off means the non-profiled experience for that use."""

    personalization: bool  # a visitor id, and context and traits used for choices
    feedback: bool  # ratings and survey answers linked to the visitor
    measurement: bool  # anonymous impressions and timing


class ConsentRequest(Struct, kw_only=True):
    site: SiteField
    categories: Categories
    source: ConsentSource
    policy_version: Annotated[str, Meta(min_length=1, max_length=64)]
    visitor: VisitorId | None = None


class ConsentReceipt(Struct):
    receipt: str  # the id a site quotes to prove what this visitor agreed to


class VisitorRequest(Struct, kw_only=True):
    site: SiteField
    visitor: VisitorId


class InterestsRequest(Struct, kw_only=True):
    site: SiteField
    visitor: VisitorId
    interests: Annotated[list[InterestId], Meta(max_length=MAX_INTERESTS)]


class UndoRatingRequest(Struct, kw_only=True):
    site: SiteField
    visitor: VisitorId
    decision_id: Annotated[str, Meta(min_length=1, max_length=64)]


class ConsentRecord(Struct, kw_only=True):
    receipt: str
    categories: Categories
    source: ConsentSource
    policy_version: str
    gpc: bool  # the browser sent Sec-GPC: 1 with it
    recorded_at: int  # ms since the epoch


class RatingRecord(Struct, kw_only=True):
    decision_id: str
    block: str
    variant: str
    feedback: Literal["thumbs", "stars"] | None
    value: float
    rated_at: int  # ms
    hidden: bool  # this variant is hidden from the visitor because of this rating (undo shows it again)
    effect: str  # in plain words, what the rating changed


class ProfileTrait(Struct, kw_only=True):
    """A trait learned from the visitor's answer to a profile question (the latest answer wins)."""

    trait: str
    value: str | int | float
    survey: str  # the survey and question that set it
    question: str
    answered_at: int | None  # ms, the server's clock


class VisitorCounts(Struct, kw_only=True):
    """The behavioural counters kept for the visitor (on a site with `[sites.counters]`)."""

    first_seen: int  # ms
    last_seen: int  # ms, any activity
    sessions: int
    page_views: dict[str, int]  # page group -> page views
    tracked_events: dict[str, int]  # attune.push(["track", name]) -> count
    facts: dict[str, int]  # as decide and survey targeting read them now (e.g. pricing_views, days_since_first)


class Profile(Struct, kw_only=True):
    """What the preference center shows: interests, known traits, ratings and what they changed, consents."""

    interests: list[str]
    traits: dict[str, ContextValue]
    ratings: list[RatingRecord]
    consents: list[ConsentRecord]
    profile_traits: list[ProfileTrait] = []  # the traits of `traits` that the visitor's survey answers set


class InterestsSaved(Struct):
    interests: list[str]


class RatingUndone(Struct):
    undone: int  # ratings withdrawn (0 for an unknown decision: nothing tells whether it exists)


class ErasureCounts(Struct, kw_only=True):
    decisions: int
    events: int
    consents: int
    interests: int
    suppressions: int


class Erased(Struct, kw_only=True):
    deleted: ErasureCounts
    receipt: str  # the erasure receipt, kept without the visitor hash


class Export(Struct, kw_only=True):
    """Everything linked to the visitor's hash, as stored."""

    site: str
    exported_at: int
    interests: list[str]
    traits: dict[str, ContextValue]
    decisions: list[dict]
    events: list[dict]
    ratings: list[RatingRecord]
    suppressions: list[dict]
    consents: list[ConsentRecord]
    survey_answers: list[dict] = []
    profile_traits: list[ProfileTrait] = []
    counters: VisitorCounts | None = None  # None: none kept (no `[sites.counters]`, or never counted)


class CategoryText(Struct, forbid_unknown_fields=True, kw_only=True):
    label: str
    description: str


class PrivacySettings(Struct, kw_only=True):
    """What the widget's banner and preference center need from the site's config (GET, public)."""

    site: str
    consent: Literal["opt-in", "opt-out", "none"]
    banner: bool
    policy_version: str
    sources: list[str]
    categories: dict[str, CategoryText]
    interests: list[dict[str, str]]  # [{"id", "label"}]
    texts: dict[str, dict[str, str]]  # language -> key -> text; the widget picks the page's language
    transparency_url: str
