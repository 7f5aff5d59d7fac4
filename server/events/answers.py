"""Survey events and tracked events: what each must carry, and an answer checked against its question's type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.config.surveys_schema import SCALES
from server.events.schemas import SURVEY_EVENTS, EventIn

if TYPE_CHECKING:
    from server.config.schema import Site
    from server.config.surveys_schema import Question


WITH_LANGUAGE = (*SURVEY_EVENTS, "rating")  # what a visitor says: the page's language tells how to read it


class InvalidEvent(ValueError):
    """An event that is well-formed JSON but makes no sense; the message names it: `events[2].value: ...`."""


def check_survey_fields(where: str, event: EventIn, site: Site | None) -> None:
    """Raises InvalidEvent naming the first field that does not fit the event's type (or its question)."""
    if event.type == "track" and event.name is None:
        raise InvalidEvent(f"{where}.name: required for a 'track' event")
    if event.type in SURVEY_EVENTS and event.survey is None:
        raise InvalidEvent(f"{where}.survey: required for a {event.type!r} event")
    for field in ("choices", "text"):
        if getattr(event, field) is not None and event.type != "survey_answer":
            raise InvalidEvent(f"{where}.{field}: only a 'survey_answer' carries {field}")
    if event.language is not None and event.type not in WITH_LANGUAGE:
        raise InvalidEvent(f"{where}.language: only survey events and ratings carry the page's language")
    if event.type != "survey_answer":
        return
    if event.question is None:
        raise InvalidEvent(f"{where}.question: required for a 'survey_answer' event")
    given = [f for f in ("value", "choices", "text") if getattr(event, f) is not None]
    if len(given) != 1:
        raise InvalidEvent(f"{where}: a survey_answer carries exactly one of value, choices or text "
                            f"({', '.join(given) or 'none'} given)")
    survey = next((s for s in site.surveys if s.id == event.survey), None) if site else None
    if survey is None:
        return  # a survey since removed: the answer is still the visitor's, kept unchecked
    question = next((q for q in survey.questions if q.id == event.question), None)
    if question is None:
        known = ", ".join(q.id for q in survey.questions)
        raise InvalidEvent(f"{where}.question: {event.question!r} is not a question of survey {survey.id!r} "
                            f"(known: {known})")
    _check_answer(where, event, question)


def _check_answer(where: str, event: EventIn, question: Question) -> None:
    kind = question.type
    expected = {"text": "text", "single": "choices", "multiple": "choices"}.get(kind, "value")
    if getattr(event, expected) is None:
        raise InvalidEvent(f"{where}.{expected}: question {question.id!r} ({kind}) is answered with {expected}")
    if kind in SCALES:
        low, high = SCALES[kind]
        if event.value not in range(low, high + 1):
            raise InvalidEvent(f"{where}.value: a {kind} answer is a whole number from {low} to {high}")
    elif kind == "thumbs":
        if event.value not in (-1, 1):
            raise InvalidEvent(f"{where}.value: a thumbs answer is -1 (down) or 1 (up)")
    elif expected == "choices":
        known = [c.id for c in question.choices]
        for index, choice in enumerate(event.choices):
            if choice not in known:
                raise InvalidEvent(f"{where}.choices[{index}]: {choice!r} is not a choice of question "
                                    f"{question.id!r} (known: {', '.join(known)})")
        if kind == "single" and len(event.choices) != 1:
            raise InvalidEvent(f"{where}.choices: a single-choice answer names exactly one choice")
        if len(set(event.choices)) != len(event.choices):
            raise InvalidEvent(f"{where}.choices: a choice is named twice")
