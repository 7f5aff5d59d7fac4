"""Results per survey: displays and response rate, drop-off per question, each question's figures (NPS, CSAT and CES
distribution and mean, thumbs, choice counts, open answers), and the headline figure broken down by device, page
group, a segment field and the block variants the visitor saw in the session. Queries: survey_query.py; figures and
their intervals: survey_scores.py."""

from __future__ import annotations

import fnmatch
from collections import Counter, defaultdict
from collections.abc import Callable

from msgspec import Struct

from server.admin.reporting.results_filter import TRAIT_PREFIX
from server.admin.reporting.stats import wilson
from server.admin.reporting.survey_query import Answer, Displays
from server.admin.reporting.survey_scores import MIN_ANSWERS, SATISFACTION, Score, score
from server.config.schema import Site
from server.config.surveys_schema import SCALES, Question, Survey

MAX_GROUPS = 20  # per breakdown, largest first; the rest are summed as "other"


class Count(Struct):
    label: str  # a scale value ("9"), a choice's label, "thumbs up"
    key: str  # the value or choice id as logged
    n: int


class QuestionResult(Struct):
    id: str
    type: str
    text: str
    answered: int  # visitors who answered it
    share_of_shown: float | None  # of visitors shown the survey
    drop_off: float | None  # of those who answered the question before, the share who did not answer this one
    counts: list[Count]  # the distribution (scales, thumbs) or choice counts; empty for text
    score: Score | None  # NPS, mean CSAT/CES, thumbs-up share; None for choices and text
    texts: int  # open answers


class Group(Struct):
    name: str
    score: Score


class Breakdown(Struct):
    by: str  # "device", "page group", "segment: referrer", "variant seen"
    groups: list[Group]


class SurveyResults(Struct):
    site: str
    survey: str
    displays: int
    shown: int  # visitors shown the survey
    dismissed: int
    answered: int  # visitors shown it who answered
    response_rate: float | None
    response_rate_ci: tuple[float, float] | None  # Wilson, 95%
    answers: int
    questions: list[QuestionResult]
    headline: str | None  # the first satisfaction question's id: what the breakdowns show
    breakdowns: list[Breakdown]
    min_answers: int = MIN_ANSWERS


def survey_results(site: Site, survey: Survey, answers: list[Answer], shown: Displays, *,
                   segment: str | None = None) -> SurveyResults:
    by_question: dict[str, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_question[answer.question].append(answer)
    known = [q.id for q in survey.questions]
    questions, before = [], None
    for question in survey.questions:
        result = _question(question, by_question.get(question.id, []), shown.shown, before)
        questions.append(result)
        before = result.answered
    headline = next((q for q in survey.questions if q.type in SATISFACTION), None)
    breakdowns = []
    if headline is not None:
        rows = [a for a in by_question.get(headline.id, []) if a.value is not None]
        breakdowns = [_breakdown("device", rows, headline.type, lambda a: [str(a.context.get("device", "unknown"))]),
                      _breakdown("page group", rows, headline.type, lambda a: [page_group(site, a.page)]),
                      _breakdown("variant seen", rows, headline.type, lambda a: a.variants or ["no block shown"])]
        if segment:
            key = "trait_" + segment[len(TRAIT_PREFIX):] if segment.startswith(TRAIT_PREFIX) else segment
            breakdowns.insert(2, _breakdown(f"segment: {segment}", rows, headline.type,
                                            lambda a: [str(a.context.get(key, "unknown"))]))
    rate = shown.answered_of_shown / shown.shown if shown.shown else None
    return SurveyResults(
        site=site.key, survey=survey.id, displays=shown.displays, shown=shown.shown, dismissed=shown.dismissed,
        answered=shown.answered_of_shown, response_rate=rate,
        response_rate_ci=wilson(shown.answered_of_shown, shown.shown),
        answers=sum(1 for a in answers if a.question in known), questions=questions,
        headline=headline.id if headline else None, breakdowns=breakdowns)


def page_group(site: Site, page: str | None) -> str:
    """The site's first page group (S2's [sites.counters] page_groups) whose glob matches the path, else the path."""
    if not page:
        return "unknown page"
    counters = getattr(site, "counters", None)
    for name, globs in (getattr(counters, "page_groups", None) or {}).items():
        if any(fnmatch.fnmatchcase(page, glob) for glob in globs):
            return name
    return page


def _question(question: Question, rows: list[Answer], shown: int, before: int | None) -> QuestionResult:
    answered = len({a.visitor or a.id for a in rows})
    counts, found = [], None
    if question.type in SCALES:
        values = [a.value for a in rows if a.value is not None]
        low, high = SCALES[question.type]
        tally = Counter(int(v) for v in values)
        counts = [Count(str(v), str(v), tally.get(v, 0)) for v in range(low, high + 1)]
        found = score(question.type, values)
    elif question.type == "thumbs":
        values = [a.value for a in rows if a.value is not None]
        counts = [Count("thumbs up", "1", sum(1 for v in values if v > 0)),
                  Count("thumbs down", "-1", sum(1 for v in values if v <= 0))]
        found = score("thumbs", values)
    elif question.type in ("single", "multiple"):
        tally = Counter(choice for a in rows for choice in a.choices)
        labels = {c.id: c.label for c in question.choices}
        counts = [Count(labels[c], c, tally.get(c, 0)) for c in labels]
        counts += [Count(f"{c} (no longer a choice)", c, n) for c, n in sorted(tally.items()) if c not in labels]
    return QuestionResult(
        id=question.id, type=question.type, text=question.text, answered=answered,
        share_of_shown=answered / shown if shown else None,
        drop_off=1 - answered / before if before else None, counts=counts, score=found,
        texts=sum(1 for a in rows if a.text))


def _breakdown(by: str, rows: list[Answer], kind: str, groups_of: Callable[[Answer], list[str]]) -> Breakdown:
    values: dict[str, list[float]] = defaultdict(list)
    for answer in rows:
        for name in groups_of(answer):  # a visitor who saw several variants counts under each
            values[name].append(answer.value)
    ordered = sorted(values.items(), key=lambda item: (-len(item[1]), item[0]))
    kept, rest = ordered[:MAX_GROUPS], [v for _, group in ordered[MAX_GROUPS:] for v in group]
    if rest:
        kept.append(("other", rest))
    return Breakdown(by=by, groups=[Group(name, score(kind, group)) for name, group in kept])
