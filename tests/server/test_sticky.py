"""Sticky variants (issue 15): a known visitor keeps the decision they were shown, for a session or longer, and
a re-shown decision is the original one, logged, learned and counted once."""

from __future__ import annotations

import time
import tomllib

import msgspec
import pytest

from server.admin.reporting.results import block_results
from server.config.loader import ConfigError, parse_config
from server.config.schema import Config, Variant
from server.storage import rollup
from tests.support.inprocess import attune
from tests.support.privacy import decide as decide_answer
from tests.support.privacy import hashed, post, rate
from tests.server.conftest import new_id, send
from tests.support.clock import Clock

SITE = "pk_sticky"
CONFIG = """
[[sites]]
key = "pk_sticky"
reward_window = 1
holdout_share = 0.0

[[sites.blocks]]
id = "hero"  # sticky = "session", the default
policy = "uniform"
fallback = "classic"
variants = [{ id = "classic" }, { id = "deal" }, { id = "story" }, { id = "app" }]
rules = [{ name = "No app offer on desktop", when = { device = "desktop" }, exclude = ["app"] }]

[[sites.blocks]]
id = "promo"
policy = "thompson"
sticky = "visitor"
sticky_minutes = 60
fallback = "p1"
variants = [{ id = "p1" }, { id = "p2" }, { id = "p3" }, { id = "p4" }]

[[sites.blocks]]
id = "tips"
policy = "uniform"
sticky = "none"
fallback = "t1"
variants = [{ id = "t1" }, { id = "t2" }, { id = "t3" }, { id = "t4" }]

[[sites]]
key = "pk_holdout"
reward_window = 1
holdout_share = 0.5

[[sites.blocks]]
id = "hero"
policy = "uniform"
fallback = "classic"
variants = [{ id = "classic" }, { id = "deal" }, { id = "story" }]
"""


@pytest.fixture(scope="module")
def config_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("sticky") / "sticky.toml"
    path.write_text(CONFIG)
    return path


@pytest.fixture(scope="module")
def app(tmp_path_factory, config_path):
    with attune(tmp_path_factory.mktemp("sticky") / "data", config=config_path, privacy_per_minute=0) as running:
        yield running


@pytest.fixture
def clock(app):
    deps, clock = app.runtime.decide_deps, Clock()
    before, deps.clock_ms = deps.clock_ms, clock
    yield clock
    deps.clock_ms = before


def decide(app, block: str, visitor: str | None, *, site: str = SITE, **extra) -> dict:
    (decision,) = decide_answer(app.client, [block], visitor=visitor, site=site, **extra)["decisions"]
    return decision


def logged_rows(app, visitor: str, block: str, site: str = SITE) -> int:
    app.settle()
    with app.runtime.event_log.cursor() as cursor:
        return cursor.execute("SELECT count(*) FROM decisions WHERE visitor = ? AND block = ?",
                              [hashed(app.runtime, visitor, site), block]).fetchone()[0]


def test_a_known_visitor_deciding_ten_times_in_a_session_gets_one_decision_logged_once(app):
    visitor = new_id()
    answers = [decide(app, "hero", visitor) for _ in range(10)]
    assert len({a["decision_id"] for a in answers}) == 1  # uniform over 4 without stickiness: P(same) = 4**-9
    assert all(a == answers[0] for a in answers)  # variant, content, propensity, explanation: the original's
    assert answers[0]["propensity"] == 0.25
    assert logged_rows(app, visitor, "hero") == 1


def test_past_thirty_minutes_idle_a_new_session_may_see_another_variant(app, clock):
    visitor = new_id()
    first = decide(app, "hero", visitor)
    for _ in range(3):  # active for 87 minutes: the session slides with each visit
        clock.pass_minutes(29)
        assert decide(app, "hero", visitor)["decision_id"] == first["decision_id"]
    clock.pass_minutes(31)
    second = decide(app, "hero", visitor)
    assert second["decision_id"] != first["decision_id"]
    assert decide(app, "hero", visitor)["decision_id"] == second["decision_id"]  # the new session sticks too
    variants = {first["variant"], second["variant"]}
    for _ in range(10):
        clock.pass_minutes(31)
        variants.add(decide(app, "hero", visitor)["variant"])
    assert len(variants) > 1  # twelve sessions, uniform over 4: P(one variant only) = 4**-11
    assert logged_rows(app, visitor, "hero") == 12


def test_a_visitor_sticky_block_keeps_its_decision_for_its_minutes_after_the_decision_however_active(app, clock):
    visitor = new_id()
    first = decide(app, "promo", visitor)
    for _ in range(5):
        clock.pass_minutes(11)
        assert decide(app, "promo", visitor)["decision_id"] == first["decision_id"]
    clock.pass_minutes(5)  # 60 minutes after the decision: sticky_minutes = 60
    assert decide(app, "promo", visitor)["decision_id"] != first["decision_id"]


def test_sticky_none_decides_anew_on_every_call(app):
    visitor = new_id()
    answers = [decide(app, "tips", visitor) for _ in range(10)]
    assert len({a["decision_id"] for a in answers}) == 10
    assert len({a["variant"] for a in answers}) > 1  # P(one variant in 10 at 1/4) = 4**-9
    assert logged_rows(app, visitor, "tips") == 10


def test_anonymous_and_unpersonalized_requests_are_never_sticky(app):
    anonymous = [decide(app, "hero", None) for _ in range(10)]
    assert len({a["decision_id"] for a in anonymous}) == 10
    assert len({a["variant"] for a in anonymous}) > 1
    visitor = new_id()
    turned_off = [decide(app, "hero", visitor, personalization=False) for _ in range(5)]
    assert len({a["decision_id"] for a in turned_off}) == 5


def test_a_thumbs_down_ends_stickiness_and_the_rated_variant_is_not_shown_again(app):
    visitor = new_id()
    rated = decide(app, "hero", visitor)
    rate(app.client, visitor=visitor, decision_id=rated["decision_id"], value=-1, site=SITE)
    app.settle()  # the learner has read the rating: the variant is hidden from this visitor
    after = [decide(app, "hero", visitor) for _ in range(10)]
    assert len({a["decision_id"] for a in after}) == 1 and after[0]["decision_id"] != rated["decision_id"]
    assert after[0]["variant"] != rated["variant"]


def test_a_variant_the_rules_no_longer_allow_is_decided_anew(app):
    for _ in range(100):  # P(no visitor of 100 gets "app" at 1/4) = 0.75**100
        visitor = new_id()
        shown = decide(app, "hero", visitor, context={"device": "mobile"})
        if shown["variant"] == "app":
            break
    assert shown["variant"] == "app"
    on_mobile = decide(app, "hero", visitor, context={"device": "mobile"})
    assert on_mobile["decision_id"] == shown["decision_id"]
    on_desktop = decide(app, "hero", visitor, context={"device": "desktop"})  # "No app offer on desktop"
    assert on_desktop["decision_id"] != shown["decision_id"] and on_desktop["variant"] != "app"


def test_a_holdout_visitor_stays_in_the_holdout_with_one_decision_per_session(app):
    visitors = [new_id() for _ in range(40)]  # P(none of 40 in a half holdout) = 2**-40
    firsts = {v: decide(app, "hero", v, site="pk_holdout") for v in visitors}
    held = [v for v, d in firsts.items() if d["explain"]["reason"] == "holdout"]
    assert held and len(held) < len(visitors)
    for visitor in held[:3]:
        again = [decide(app, "hero", visitor, site="pk_holdout") for _ in range(5)]
        assert {a["decision_id"] for a in again} == {firsts[visitor]["decision_id"]}
        assert again[0]["variant"] == "classic"


def test_erasure_forgets_what_the_visitor_was_shown(app):
    visitor = new_id()
    first = decide(app, "hero", visitor)
    assert len(app.runtime.sticky) >= 1
    post(app.client, "/v1/visitor/erase", {"site": SITE, "visitor": visitor})
    assert app.runtime.sticky.recall(site=SITE, visitor=hashed(app.runtime, visitor, SITE), block="hero",
                                     now=time.time_ns() // 1_000_000) is None
    assert decide(app, "hero", visitor)["decision_id"] != first["decision_id"]


def test_a_change_of_the_blocks_configuration_ends_stickiness_and_of_another_block_does_not(tmp_path, config_path):
    with attune(tmp_path / "data", config=config_path) as app:
        visitor = new_id()
        hero, promo = decide(app, "hero", visitor), decide(app, "promo", visitor)
        edit(app, "tips", exploration=0.1)
        assert decide(app, "hero", visitor)["decision_id"] == hero["decision_id"]
        edit(app, "hero", variants=[*block_of(app, "hero").variants, Variant(id="new")])
        assert decide(app, "hero", visitor)["decision_id"] != hero["decision_id"]
        assert decide(app, "promo", visitor)["decision_id"] == promo["decision_id"]
        edit(app, "promo", enabled=False)
        off = decide(app, "promo", visitor)
        assert off["decision_id"] != promo["decision_id"] and off["explain"]["reason"] == "disabled"


def test_a_re_shown_decision_is_learned_once_and_counted_once_in_the_results(tmp_path, config_path):
    with attune(tmp_path / "data", config=config_path) as app:
        app.stop_clock()
        visitor = new_id()
        pages = [decide(app, "promo", visitor) for _ in range(5)]
        (decision_id,) = {p["decision_id"] for p in pages}
        for _ in pages:  # each page view reports its impression, two of them a click too
            send(app.client, [{"id": new_id(), "type": "impression", "decision_id": decision_id}],
                 site=SITE, visitor=visitor)
        send(app.client, [{"id": new_id(), "type": "click", "decision_id": decision_id} for _ in range(2)],
             site=SITE, visitor=visitor)
        before = app.runtime.learner.version
        app.pass_time(2)  # the one-second reward window closes
        assert app.runtime.learner.version == before + 1
        later = decide(app, "promo", visitor)  # still shown: events after its window teach nothing
        send(app.client, [{"id": new_id(), "type": "impression", "decision_id": later["decision_id"]},
                          {"id": new_id(), "type": "click", "decision_id": later["decision_id"]}],
             site=SITE, visitor=visitor)
        app.pass_time(2)
        assert later["decision_id"] == decision_id and app.runtime.learner.version == before + 1
        assert results(app, "promo") == {"decisions": 1, "impressions": 1, "clicks": 1}
        with app.runtime.event_log.cursor() as cursor:
            rollup.fold(cursor, now_ms=time.time_ns() // 1_000_000 + 24 * 3_600_000)  # folded, as a day later
        assert results(app, "promo") == {"decisions": 1, "impressions": 1, "clicks": 1}


@pytest.mark.parametrize(("setting", "named"), [
    ('sticky = "forever"', "sites[0].blocks[1].sticky: Invalid enum value 'forever'"),
    ("sticky_minutes = 0", "sites[0].blocks[1].sticky_minutes: Expected `int` >= 1"),
])
def test_a_bad_sticky_setting_is_refused_naming_the_key(setting, named):
    text = CONFIG.replace('sticky = "visitor"\nsticky_minutes = 60', setting)
    with pytest.raises(ConfigError) as refused:
        parse_config(tomllib.loads(text))
    assert named in str(refused.value)


# --- helpers ---

def block_of(app, block: str):
    return app.runtime.sites.block(SITE, block)


def edit(app, block: str, **changes) -> None:
    """What an admin's edit does: the next configuration version, with `changes` to one block, served at once."""
    config = app.runtime.config_store.config
    sites = [msgspec.structs.replace(s, blocks=[msgspec.structs.replace(b, **changes) if b.id == block else b
                                                for b in s.blocks]) if s.key == SITE else s for s in config.sites]
    app.runtime.config_store.apply(Config(sites=sites), actor="test", action="edit", target=block, summary="edit")


def results(app, block: str) -> dict[str, int]:
    site = app.runtime.sites.site(SITE)
    with app.runtime.event_log.cursor() as cursor:
        found = msgspec.to_builtins(block_results(cursor, site=site, block=block_of(app, block)))
    return {key: sum(v[key] for v in found["variants"]) for key in ("decisions", "impressions", "clicks")}
