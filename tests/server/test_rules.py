"""Site rules: conditions on context and traits force or narrow a block's variants."""

from __future__ import annotations

import tomllib

import msgspec
import pytest
import tomli_w

from server.config.loader import ConfigError, parse_config
from server.config.schema import Rule
from server.config.toml import parse_toml, to_raw, to_toml
from server.decide import explain
from server.decide.rules import apply_rules, conditions_hold, describe_condition, matches

VARIANTS = ["classic", "deal", "story", "app"]


def rule(name: str = "r", **fields) -> Rule:
    return Rule(name=name, **fields)


def test_force_shows_exactly_that_variant():
    forcing = rule(when={"segment": "sport"}, force="deal")
    assert apply_rules([forcing], {"segment": "sport"}, VARIANTS) == (["deal"], forcing)


def test_only_narrows_to_the_listed_variants_in_their_block_order():
    narrowing = rule(when={"device": "mobile"}, only=["app", "classic"])
    assert apply_rules([narrowing], {"device": "mobile"}, VARIANTS) == (["classic", "app"], narrowing)


def test_exclude_removes_the_listed_variants():
    excluding = rule(when={"device": "desktop"}, exclude=["app"])
    assert apply_rules([excluding], {"device": "desktop"}, VARIANTS) == (["classic", "deal", "story"], excluding)


def test_a_rule_whose_conditions_do_not_hold_changes_nothing():
    excluding = rule(when={"device": "desktop"}, exclude=["app"])
    assert apply_rules([excluding], {"device": "mobile"}, VARIANTS) == (VARIANTS, None)
    assert apply_rules([excluding], {}, VARIANTS) == (VARIANTS, None)  # a missing fact never matches


def test_every_condition_must_hold():
    both = rule(when={"device": "mobile", "returning": True}, force="app")
    assert apply_rules([both], {"device": "mobile", "returning": True}, VARIANTS)[0] == ["app"]
    assert apply_rules([both], {"device": "mobile", "returning": False}, VARIANTS) == (VARIANTS, None)
    assert apply_rules([both], {"returning": True}, VARIANTS) == (VARIANTS, None)


def test_a_list_condition_matches_any_of_its_values():
    social = rule(when={"referrer": ["social", "email"]}, force="story")
    assert matches(social, {"referrer": "social"}) and matches(social, {"referrer": "email"})
    assert not matches(social, {"referrer": "search"}) and not matches(social, {})
    assert apply_rules([social], {"referrer": "email"}, VARIANTS)[0] == ["story"]
    assert describe_condition(social) == "referrer is social or email"


def test_the_first_forcing_rule_wins():
    first = rule("first", when={"segment": "sport"}, force="deal")
    second = rule("second", when={"device": "mobile"}, force="app")
    facts = {"segment": "sport", "device": "mobile"}
    assert apply_rules([first, second], facts, VARIANTS) == (["deal"], first)
    assert apply_rules([second, first], facts, VARIANTS) == (["app"], second)


def test_restrictions_compose_and_the_last_one_that_applied_is_reported():
    no_app = rule("no app", when={"device": "desktop"}, exclude=["app"])
    offers = rule("offers", when={"segment": "home"}, only=["deal", "app", "story"])
    facts = {"device": "desktop", "segment": "home"}
    assert apply_rules([no_app, offers], facts, VARIANTS) == (["deal", "story"], offers)


def test_a_restriction_that_would_leave_nothing_is_ignored():
    no_app = rule("no app", when={"device": "desktop"}, exclude=["app"])
    app_only = rule("app only", when={"segment": "tech"}, only=["app"])
    facts = {"device": "desktop", "segment": "tech"}
    assert apply_rules([no_app, app_only], facts, VARIANTS) == (["classic", "deal", "story"], no_app)
    everything = rule(when={"device": "desktop"}, exclude=list(VARIANTS))
    assert apply_rules([everything], facts, VARIANTS) == (VARIANTS, None)


def test_a_later_force_cannot_bring_back_what_an_earlier_rule_excluded():
    no_app = rule("no app", when={"device": "desktop"}, exclude=["app"])
    app_push = rule("app push", when={"segment": "tech"}, force="app")
    facts = {"device": "desktop", "segment": "tech"}
    assert apply_rules([no_app, app_push], facts, VARIANTS) == (["classic", "deal", "story"], no_app)


def test_a_true_condition_does_not_match_the_number_one():
    returning = rule(when={"returning": True}, force="deal")
    assert matches(returning, {"returning": True})
    assert not matches(returning, {"returning": 1})


# comparisons: `{ gte = 2 }`, `{ lt = .. }`, `{ in = [..] }`, several keys all holding

def comparing(**when) -> Rule:
    return msgspec.convert({"name": "compare", "when": when, "force": "deal"}, Rule)


def test_gte_holds_from_its_bound_up():
    twice = comparing(pricing_views={"gte": 2})
    assert [matches(twice, {"pricing_views": n}) for n in (0, 1, 2, 3, 2.5)] == [False, False, True, True, True]
    assert apply_rules([twice], {"pricing_views": 2}, VARIANTS) == (["deal"], twice)


def test_gt_lt_and_lte_are_strict_or_not_as_named():
    assert [matches(comparing(n={"gt": 2}), {"n": v}) for v in (2, 3)] == [False, True]
    assert [matches(comparing(n={"lt": 2}), {"n": v}) for v in (1, 2)] == [True, False]
    assert [matches(comparing(n={"lte": 2}), {"n": v}) for v in (2, 3)] == [True, False]


def test_several_keys_of_one_comparison_must_all_hold():
    between = comparing(sessions={"gte": 2, "lt": 5})
    assert [matches(between, {"sessions": n}) for n in (1, 2, 4, 5)] == [False, True, True, False]


def test_in_matches_any_listed_value_and_a_true_is_not_a_one():
    listed = comparing(plan={"in": ["pro", "team", 1]})
    assert matches(listed, {"plan": "team"}) and matches(listed, {"plan": 1})
    assert not matches(listed, {"plan": "free"}) and not matches(listed, {"plan": True}) and not matches(listed, {})


def test_a_bool_a_text_or_a_missing_fact_never_compares_as_a_number():
    once = comparing(pricing_views={"gte": 1})
    assert not matches(once, {"pricing_views": True})  # True == 1 in Python; not in a rule
    assert not matches(once, {"pricing_views": "3"})
    assert not matches(once, {})
    assert not matches(comparing(n={"lt": 5}), {})  # absent is not zero


def test_conditions_hold_is_the_rule_language_without_a_rule():
    when = comparing(pricing_views={"gte": 2}, device=["desktop", "tablet"]).when
    assert conditions_hold(when, {"pricing_views": 2, "device": "desktop"})
    assert not conditions_hold(when, {"pricing_views": 2, "device": "mobile"})
    assert conditions_hold({}, {})


def test_comparisons_are_said_in_words():
    assert describe_condition(comparing(pricing_views={"gte": 2})) == "pricing views is at least 2"
    assert describe_condition(comparing(sessions={"gt": 1, "lte": 3}, plan={"in": ["pro", "team"]})) == \
        "sessions is more than 1 and at most 3 and plan is pro or team"
    assert describe_condition(rule(when={"returning": True}, force="deal")) == "returning is true"


def test_a_rule_on_a_counter_explains_itself_as_the_visitors_own_count():
    why = explain.for_rule(comparing(pricing_views={"gte": 2}), "contextual")
    assert why.summary == "The site shows this when you visited pricing at least 2 times (rule: “compare”)."


@pytest.mark.parametrize(("when", "key", "problem"), [
    ({"pricing_views": {"gte": True}}, "when.pricing_views.gte", "got `bool`"),
    ({"pricing_views": {"gte": "2"}}, "when.pricing_views.gte", "got `str`"),
    ({"pricing_views": {"gte": float("nan")}}, "when.pricing_views.gte", "Expected `float`"),
    ({"pricing_views": {"lt": float("inf")}}, "when.pricing_views.lt", "<= 1000000000000000.0"),
    ({"pricing_views": {"atleast": 2}}, "when.pricing_views", "unknown field `atleast` (a comparison takes gte"),
    ({"pricing_views": {}}, "when.pricing_views", "needs at least one of gte, gt, lte, lt or in"),
    ({"plan": {"in": "pro"}}, "when.plan.in", "got `str`"),
    ({"plan": {"in": []}}, "when.plan.in", "length >= 1"),
])
def test_a_bad_comparison_in_the_config_names_its_key(when, key, problem):
    raw = {"sites": [{"key": "pk_rules", "blocks": [{
        "id": "hero", "fallback": "classic", "variants": [{"id": "classic"}, {"id": "deal"}],
        "rules": [{"name": "r", "when": when, "force": "deal"}]}]}]}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    message = str(caught.value)
    assert f"sites[0].blocks[0].rules[0]: {key}: " in message, message
    assert problem in message, message


def test_a_rule_with_comparisons_round_trips_through_the_admins_toml():
    config = parse_config({"sites": [{"key": "pk_rules", "blocks": [{
        "id": "hero", "fallback": "classic", "variants": [{"id": "classic"}, {"id": "deal"}],
        "rules": [{"name": "pricing twice", "when": {"pricing_views": {"gte": 2}, "plan": {"in": ["pro", 3]},
                                                     "score": {"gt": 0.5, "lte": 9}}, "force": "deal"}]}]}]})
    text = to_toml(config)
    again = parse_toml(text, "exported")
    assert again.sites[0].blocks[0].rules == config.sites[0].blocks[0].rules
    assert to_toml(again) == text
    block_rules = tomli_w.dumps({"rules": to_raw(again.sites[0].blocks[0])["rules"]})  # the rule editor's text
    assert tomllib.loads(block_rules)["rules"][0]["when"]["pricing_views"] == {"gte": 2}


def test_counters_config_errors_name_the_group():
    def error(counters: dict) -> str:
        with pytest.raises(ConfigError) as caught:
            parse_config({"sites": [{"key": "pk_rules", "counters": counters}]})
        return str(caught.value)

    assert "sites[0].counters: page_groups.Pricing: a group name is lower-case" in error(
        {"page_groups": {"Pricing": ["/pricing"]}})
    assert "page_groups.pricing: 'pricing' is not a path glob" in error({"page_groups": {"pricing": ["pricing"]}})
    assert "page_groups.pricing: give 1 to 20 path globs" in error({"page_groups": {"pricing": []}})
    assert "page_groups: at most 20 groups, not 21" in error({"page_groups": {f"g{i}": ["/g"] for i in range(21)}})
    assert "unknown field `groups`" in error({"groups": {}})
