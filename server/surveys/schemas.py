"""The surveys wire contract (v1): which surveys the widget may show this visitor now, in the page's language."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct, field

from server.decide.schemas import MAX_CONTEXT_FIELDS, ContextValue, VisitorId

Facts = Annotated[dict[Annotated[str, Meta(max_length=64)], ContextValue], Meta(max_length=MAX_CONTEXT_FIELDS)]


class EligibleRequest(Struct, kw_only=True):
    site: Annotated[str, Meta(min_length=1, max_length=64)]
    visitor: VisitorId | None = None  # none (no consent yet): no survey is offered
    context: Facts = {}
    traits: Facts = {}
    language: Annotated[str, Meta(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] | None = None  # e.g. "de-AT"


class ChoiceOut(Struct, kw_only=True):
    id: str
    label: str  # in the request's language where the site gave one, else the default


class BranchOut(Struct, kw_only=True):
    """After an answer, go `to` a later question (or "end") when every given condition holds."""

    to: str
    lte: float | None = None
    gte: float | None = None
    eq: int | float | str | None = None
    any_of: list[int | float | str] | None = field(default=None, name="in")


class QuestionOut(Struct, kw_only=True):
    id: str
    type: Literal["nps", "csat", "ces", "single", "multiple", "text", "thumbs"]
    text: str  # in the request's language where the site gave one, else the default
    choices: list[ChoiceOut]
    optional: bool
    next: list[BranchOut]  # the first that holds wins; none holds: the following question
    profile: bool = False  # the answer becomes a visitor trait: ask only with personalization and feedback consent


class TriggerOut(Struct, kw_only=True):
    """Any one that is set fires the survey; none set: on page load."""

    url: str | None = None
    pageviews: int | None = None
    seconds: int | None = None
    scroll: int | None = None
    exit_intent: bool = False
    event: str | None = None
    thumbs_down: str | None = None


class SurveyOut(Struct, kw_only=True):
    id: str
    placement: Literal["corner", "inline"]
    trigger: TriggerOut
    questions: list[QuestionOut]


class Budget(Struct, kw_only=True):
    per_session: int  # prompts a session, for all surveys together
    gap_days: int  # days between prompts in different sessions


class SurveysEligible(Struct, kw_only=True):
    surveys: list[SurveyOut]  # each may be shown now; the widget shows at most what the budget leaves
    budget: Budget
    prompted_this_session: int  # surveys shown to this visitor in the current session (the server's count)
