"""In-moment surveys in the configuration: their questions, triggers, targeting and recontact, and the budget of
prompts one visitor may get. Checked by msgspec (shapes, bounds) and by `check_surveys` (references), so an
error names the exact key.

The module refers to `schema` lazily (annotations are strings msgspec resolves on first use): schema.py
imports this file and this file uses schema's `Identifier` and `ConditionValue`, in either import order.
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct, field

from server.config import schema

MAX_QUESTIONS = 5
MAX_TEXT = 500  # question texts and choice labels
Language = Annotated[str, Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
Text = Annotated[str, Meta(min_length=1, max_length=MAX_TEXT)]
# a trait name as decide sees it (`role`), and as a context feature: a plain identifier
TraitName = Annotated[str, Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
BlockOrAny = Annotated[str, Meta(pattern=r"^(\*|[A-Za-z0-9][A-Za-z0-9_\-]{0,63})$")]
QuestionType = Literal["nps", "csat", "ces", "single", "multiple", "text", "thumbs"]
SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
WITH_CHOICES = ("single", "multiple")
TRAIT_TYPES = ("single", "thumbs", *SCALES)  # one answer, one value: what a trait can hold
END = "end"  # a branch target: the survey ends after this answer
BranchValue = int | float | str


class Choice(Struct, forbid_unknown_fields=True, kw_only=True):
    id: schema.Identifier
    label: Text
    labels: dict[Language, Text] = {}  # per language (the page's language), optional


class Branch(Struct, forbid_unknown_fields=True, kw_only=True):
    """Where to go after an answer: the first branch whose conditions all hold (none given: always) wins."""

    to: schema.Identifier  # a later question's id, or "end"
    lte: float | None = None
    gte: float | None = None
    eq: BranchValue | None = None  # a number, or a choice id
    any_of: Annotated[list[BranchValue], Meta(min_length=1, max_length=20)] | None = field(default=None, name="in")


class Question(Struct, forbid_unknown_fields=True, kw_only=True):
    id: schema.Identifier
    type: QuestionType
    text: Text
    texts: dict[Language, Text] = {}
    choices: Annotated[list[Choice], Meta(max_length=20)] = []  # single and multiple only
    trait: TraitName | None = None  # a profile question: the answer becomes this visitor trait
    optional: bool = False
    next: Annotated[list[Branch], Meta(max_length=10)] = []  # none: the following question


class Trigger(Struct, forbid_unknown_fields=True, kw_only=True):
    """Any one that is set fires the survey; none set: on page load."""

    url: Annotated[str, Meta(min_length=1, max_length=256)] | None = None  # glob on location.pathname
    pageviews: Annotated[int, Meta(ge=1, le=1000)] | None = None  # the Nth page view of the session
    seconds: Annotated[int, Meta(ge=0, le=3600)] | None = None  # seconds on the page
    scroll: Annotated[int, Meta(ge=1, le=100)] | None = None  # percent scrolled
    exit_intent: bool = False  # the pointer leaves through the top (desktop only)
    event: schema.Identifier | None = None  # attune.push(["track", name])
    thumbs_down: BlockOrAny | None = None  # after a thumbs-down on this block ("*": any)


class Survey(Struct, forbid_unknown_fields=True, kw_only=True):
    id: schema.Identifier
    name: Annotated[str, Meta(max_length=120)] = ""
    enabled: bool = True  # false: paused
    placement: Literal["corner", "inline"] = "corner"  # inline: into [data-attune-survey="<id>"]
    share: schema.Share = 1.0  # of eligible visitors, drawn once per visitor and survey
    recontact: Literal["once", "until_answered", "always", "every"] = "until_answered"
    recontact_days: Annotated[int, Meta(ge=1, le=3650)] | None = None  # with recontact = "every"
    # targeting, in the blocks' rule language: each a schema.ConditionValue once built (see __post_init__)
    when: Annotated[dict[Annotated[str, Meta(max_length=64)], schema._RawCondition], Meta(max_length=32)] = {}
    trigger: Trigger = field(default_factory=Trigger)
    questions: Annotated[list[Question], Meta(min_length=1, max_length=MAX_QUESTIONS)]

    def __post_init__(self) -> None:
        self.when = schema.checked_conditions(self.when)


class Interrupts(Struct, forbid_unknown_fields=True, kw_only=True):
    """One budget for every survey and profile question a visitor is asked."""

    per_session: Annotated[int, Meta(ge=0, le=10)] = 1  # prompts per session
    gap_days: Annotated[int, Meta(ge=0, le=365)] = 7  # days between prompts in different sessions


def check_surveys(surveys: list[Survey], where: str) -> None:
    """References msgspec cannot check: unique ids, choices where they belong, branch targets, trait types."""
    from server.config.loader import ConfigError  # the loader imports this module's parent first

    def fail(key: str, problem: str) -> None:
        raise ConfigError(f"{key}: {problem}")

    seen: set[str] = set()
    for i, survey in enumerate(surveys):
        at = f"{where}.surveys[{i}]"
        if survey.id in seen:
            fail(f"{where}.surveys", f"id {survey.id!r} appears twice")
        seen.add(survey.id)
        if survey.recontact == "every" and survey.recontact_days is None:
            fail(f"{at}.recontact_days", "recontact = 'every' needs recontact_days, e.g. recontact_days = 30")
        ids = [q.id for q in survey.questions]
        for j, question_id in enumerate(ids):
            if question_id in ids[:j]:
                fail(f"{at}.questions[{j}].id", f"{question_id!r} appears twice in this survey")
            if question_id == END:
                fail(f"{at}.questions[{j}].id", f"{END!r} is where a branch ends the survey: give it another id")
        for j, question in enumerate(survey.questions):
            _check_question(question, ids[j + 1:], f"{at}.questions[{j}]", fail)


def _check_question(question: Question, later: list[str], at: str, fail) -> None:
    choice_ids = [c.id for c in question.choices]
    if question.type in WITH_CHOICES and len(choice_ids) < 2:
        fail(at + ".choices", f"a {question.type!r} question needs at least two choices")
    if question.type not in WITH_CHOICES and choice_ids:
        fail(at + ".choices", f"only single and multiple questions have choices, not {question.type!r}")
    if len(set(choice_ids)) != len(choice_ids):
        fail(at + ".choices", "a choice id appears twice")
    if question.trait is not None and question.type not in TRAIT_TYPES:
        fail(at + ".trait", f"a {question.type!r} answer cannot be a trait (one of: {', '.join(TRAIT_TYPES)})")
    for k, branch in enumerate(question.next):
        if branch.to != END and branch.to not in later:
            targets = ", ".join([*later, END])
            fail(f"{at}.next[{k}].to", f"{branch.to!r} is not a later question of this survey ({targets})")
        for value in [branch.eq, *(branch.any_of or [])]:
            if isinstance(value, str) and value not in choice_ids:
                fail(f"{at}.next[{k}]", f"{value!r} is not one of the question's choices ({', '.join(choice_ids)})")
        if (branch.lte is not None or branch.gte is not None) and question.type in ("text", *WITH_CHOICES):
            fail(f"{at}.next[{k}]", f"lte and gte compare numbers: a {question.type!r} answer is not one")
