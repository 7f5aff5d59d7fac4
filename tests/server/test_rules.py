"""Site rules: conditions on context and traits force or narrow a block's variants."""

from __future__ import annotations

from server.config.schema import Rule
from server.decide.rules import apply_rules, describe_condition, matches

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
