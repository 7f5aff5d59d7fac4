"""Survey configuration: a mistake is refused with the exact key named, and the demo's surveys load."""

from __future__ import annotations

import copy

import pytest

from server.config.loader import ConfigError, load_config, parse_config
from server.config.toml import parse_toml, to_toml

SURVEY = {"id": "nps", "questions": [
    {"id": "score", "type": "nps", "text": "How likely?", "next": [{"lte": 6, "to": "why"}, {"to": "end"}]},
    {"id": "why", "type": "text", "text": "Why?", "optional": True},
]}


def site_with(*surveys: dict, **site) -> dict:
    return {"sites": [{"key": "pk_s", "surveys": list(surveys), **site}]}


def changed(path: str, value) -> dict:
    """SURVEY with the value at `questions.0.type`-style path replaced."""
    survey = copy.deepcopy(SURVEY)
    *parents, last = path.split(".")
    target = survey
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return survey


def test_a_good_survey_loads_and_survives_the_toml_round_trip() -> None:
    config = parse_config(site_with(SURVEY, interrupts={"per_session": 2, "gap_days": 0}))
    survey = config.sites[0].surveys[0]
    assert [q.id for q in survey.questions] == ["score", "why"]
    assert survey.questions[0].next[0].lte == 6 and survey.recontact == "until_answered"
    again = parse_toml(to_toml(config), "exported")
    assert again.sites[0].surveys == config.sites[0].surveys and again.sites[0].interrupts.per_session == 2


def test_the_demo_site_has_an_enabled_survey_with_a_profile_question() -> None:
    surveys = load_config().sites[0].surveys
    assert any(s.enabled for s in surveys)
    assert any(q.trait for s in surveys for q in s.questions)


@pytest.mark.parametrize(("survey", "extra", "named"), [
    (changed("id", "bad id"), [], "sites[0].surveys[0].id"),
    (SURVEY, [SURVEY], "sites[0].surveys: id 'nps' appears twice"),
    (changed("questions", [SURVEY["questions"][1]] * 6), [], "sites[0].surveys[0].questions"),
    (changed("questions", []), [], "sites[0].surveys[0].questions"),
    (changed("questions.1.id", "score"), [], "sites[0].surveys[0].questions[1].id: 'score' appears twice"),
    (changed("questions.0.type", "stars"), [], "sites[0].surveys[0].questions[0].type"),
    (changed("questions.0.text", "x" * 501), [], "sites[0].surveys[0].questions[0].text"),
    (changed("questions.0.choices", [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]), [],
     "sites[0].surveys[0].questions[0].choices: only single and multiple"),
    (changed("questions.1.type", "single"), [], "sites[0].surveys[0].questions[1].choices: a 'single' question needs"),
    (changed("questions.0.next", [{"lte": 6, "to": "nowhere"}]), [], "sites[0].surveys[0].questions[0].next[0].to"),
    (changed("questions.1.next", [{"to": "score"}]), [], "sites[0].surveys[0].questions[1].next[0].to"),
    (changed("questions.0.trait", "not-an-identifier"), [], "sites[0].surveys[0].questions[0].trait"),
    (changed("questions.1.trait", "why"), [], "sites[0].surveys[0].questions[1].trait: a 'text' answer cannot"),
    (changed("recontact", "every"), [], "sites[0].surveys[0].recontact_days"),
    (changed("share", 1.5), [], "sites[0].surveys[0].share"),
    (changed("placement", "modal"), [], "sites[0].surveys[0].placement"),
    (changed("trigger", {"scroll": 101}), [], "sites[0].surveys[0].trigger.scroll"),
    (changed("trigger", {"hover": True}), [], "sites[0].surveys[0].trigger"),
    (changed("questions.0.texts", {"de": ""}), [], "sites[0].surveys[0].questions[0].texts"),
])
def test_a_mistake_names_its_key(survey: dict, extra: list, named: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(site_with(survey, *extra))
    assert named in str(error.value), str(error.value)


@pytest.mark.parametrize(("interrupts", "named"), [
    ({"per_session": 11}, "sites[0].interrupts.per_session"),
    ({"gap_days": -1}, "sites[0].interrupts.gap_days"),
    ({"gap": 7}, "sites[0].interrupts"),
])
def test_a_bad_interrupt_budget_names_its_key(interrupts: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        parse_config(site_with(SURVEY, interrupts=interrupts))


def test_targeting_uses_the_rule_language() -> None:
    survey = {**SURVEY, "when": {"device": "desktop", "pricing_views": {"gte": 2}}}
    assert parse_config(site_with(survey)).sites[0].surveys[0].when["device"] == "desktop"
    with pytest.raises(ConfigError, match="when.pricing_views"):
        parse_config(site_with({**SURVEY, "when": {"pricing_views": {"over": 2}}}))
