"""Which surveys a visitor may be asked now: enabled, targeted, sampled, not against the recontact rule or the
interrupt budget. The clock is injected, so a test moves days on without waiting."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from server.decide.rules import conditions_hold
from server.decide.service import accepted_traits, visitor_hash
from server.privacy.rate_limit import AddressRateLimit
from server.sites import SiteRegistry
from server.surveys.history import Asked, SurveyHistory, VisitorHistory  # runtime names: Litestar reads the deps
from server.surveys.schemas import (
    BranchOut, Budget, ChoiceOut, EligibleRequest, QuestionOut, SurveyOut, SurveysEligible, TriggerOut,
)
from server.surveys.traits import ProfileTraits

if TYPE_CHECKING:
    from server.config.surveys_schema import Question, Survey

DAY_MS = 86_400_000
SESSION_MS = 30 * 60_000  # prompts less than this long ago belong to the visitor's current session


def _no_facts(site: str, visitor: str) -> dict:
    return {}


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(slots=True)
class SurveysDeps:
    sites: SiteRegistry
    visitor_key: bytes
    history: SurveyHistory
    traits: ProfileTraits
    rate_limit: AddressRateLimit
    trusted_proxies: frozenset[str]
    # behavioural counters of a visitor (server/counters/), merged into the facts `when` is checked on
    visitor_facts: Callable[[str, str], dict] = _no_facts
    clock_ms: Callable[[], int] = field(default=wall_clock_ms)


def eligible(*, request: EligibleRequest, deps: SurveysDeps) -> SurveysEligible:
    site = deps.sites.site(request.site)
    budget = Budget(per_session=site.interrupts.per_session, gap_days=site.interrupts.gap_days)
    if request.visitor is None:  # no visitor id: no consent to remember what was asked, so nothing is asked
        return SurveysEligible(surveys=[], budget=budget, prompted_this_session=0)
    hashed = visitor_hash(deps.visitor_key, site.key, request.visitor)
    now = deps.clock_ms()
    history = deps.history.of(site.key, hashed)
    prompted = sum(1 for at in history.prompts if now - at < SESSION_MS)
    if not within_budget(history, budget, prompted=prompted, now=now):
        return SurveysEligible(surveys=[], budget=budget, prompted_this_session=prompted)
    traits, _ = accepted_traits(request.traits, site.privacy.accepted_traits)
    facts = {**request.context, **traits, **deps.traits.of(site.key, hashed), **deps.visitor_facts(site.key, hashed)}
    offered = [
        survey_out(survey, request.language) for survey in site.surveys
        if survey.enabled and conditions_hold(survey.when, facts) and sampled(hashed, survey)
        and recontact_allows(survey, history.surveys.get(survey.id), now=now)
    ]
    return SurveysEligible(surveys=offered, budget=budget, prompted_this_session=prompted)


def within_budget(history: VisitorHistory, budget: Budget, *, prompted: int, now: int) -> bool:
    """Fewer prompts this session than per_session, and none in an earlier session less than gap_days ago."""
    if prompted >= budget.per_session:
        return False
    earlier = [at for at in history.prompts if now - at >= SESSION_MS]
    return not earlier or now - max(earlier) >= budget.gap_days * DAY_MS


def sampled(hashed_visitor: str, survey: Survey) -> bool:
    """The same draw for a visitor and survey every time; independent between surveys."""
    if survey.share >= 1.0:
        return True
    digest = hashlib.blake2b(f"{hashed_visitor}:{survey.id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < survey.share


def recontact_allows(survey: Survey, asked: Asked | None, *, now: int) -> bool:
    """A dismissed survey stays dismissed; otherwise the survey's recontact rule decides."""
    if asked is None or asked.shown == 0:
        return not (asked and asked.dismissed)
    if asked.dismissed or survey.recontact == "once":
        return False
    if survey.recontact == "until_answered":
        return not asked.answered
    if survey.recontact == "every":
        return now - (asked.last_shown or 0) >= (survey.recontact_days or 0) * DAY_MS
    return True  # always


def in_language(default: str, texts: dict[str, str], language: str | None) -> str:
    """The text for `language` ("de-AT"), else for its first part ("de"), else the default.

    >>> in_language("Hello", {"de": "Hallo"}, "de-AT"), in_language("Hello", {"de": "Hallo"}, None)
    ('Hallo', 'Hello')
    """
    if not language or not texts:
        return default
    lowered = {key.lower(): text for key, text in texts.items()}
    wanted = language.lower()
    return lowered.get(wanted) or lowered.get(wanted.split("-")[0]) or default


def survey_out(survey: Survey, language: str | None) -> SurveyOut:
    trigger = survey.trigger
    return SurveyOut(
        id=survey.id, placement=survey.placement,
        trigger=TriggerOut(url=trigger.url, pageviews=trigger.pageviews, seconds=trigger.seconds, scroll=trigger.scroll,
                           exit_intent=trigger.exit_intent, event=trigger.event, thumbs_down=trigger.thumbs_down),
        questions=[_question_out(q, language) for q in survey.questions],
    )


def _question_out(question: Question, language: str | None) -> QuestionOut:
    return QuestionOut(
        id=question.id, type=question.type, text=in_language(question.text, question.texts, language),
        choices=[ChoiceOut(id=c.id, label=in_language(c.label, c.labels, language)) for c in question.choices],
        optional=question.optional, profile=question.trait is not None,
        next=[BranchOut(to=b.to, lte=b.lte, gte=b.gte, eq=b.eq, any_of=b.any_of) for b in question.next],
    )
