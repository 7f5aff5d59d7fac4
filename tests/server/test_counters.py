"""Behavioural counters: counted per visitor with an id on each decide call and tracked event, compared by rules,
bucketed for the policy, said in explanations, kept across a restart, erased with the visitor, and bounded."""

from __future__ import annotations

import sys
import time
import tracemalloc

import orjson
import pytest

from server.counters.tally import SESSION_GAP_MS, VisitorCounters
from server.decide import explain
from server.decide.schemas import Explain, Factor, FactorField
from tests.support.inprocess import attune
from tests.support.privacy import hashed, new_id, post
from tests.support.clock import Clock

SITE = "pk_counters"
CONFIG = f"""
[[sites]]
key = "{SITE}"
consent = "opt-out"
holdout_share = 0.0

[sites.counters]
page_groups = {{ pricing = ["/pricing*"], docs = ["/docs/*"] }}

[[sites.blocks]]
id = "hero"
policy = "fixed"
split = {{ classic = 1 }}
fallback = "classic"
sticky = "none"
variants = [{{ id = "classic" }}, {{ id = "help", content = {{ text = "Questions about pricing?" }} }}]

[[sites.blocks.rules]]
name = "pricing twice"
when = {{ pricing_views = {{ gte = 2 }} }}
force = "help"

[[sites.blocks.rules]]
name = "keen signup"
when = {{ signup_count = {{ gte = 3 }} }}
force = "help"

[[sites]]
key = "pk_plain"  # no [sites.counters]: nothing is counted for its visitors
holdout_share = 0.0

[[sites.blocks]]
id = "hero"
policy = "fixed"
split = {{ classic = 1 }}
fallback = "classic"
variants = [{{ id = "classic" }}]
"""
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def config_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("counters") / "counters.toml"
    path.write_text(CONFIG)
    return path


@pytest.fixture(scope="module")
def app(tmp_path_factory, config_path):
    with attune(tmp_path_factory.mktemp("counters") / "data", config=config_path, privacy_per_minute=0) as running:
        yield running


@pytest.fixture
def clock(app):
    deps, counters, clock = app.runtime.decide_deps, app.runtime.counters, Clock()
    before = deps.clock_ms, counters.clock_ms
    deps.clock_ms = counters.clock_ms = clock
    yield clock
    deps.clock_ms, counters.clock_ms = before


def visit(client, visitor: str | None, page: str, **extra) -> dict:
    body = {"site": SITE, "visitor": visitor, "blocks": ["hero"], "context": {"page": page, "device": "desktop"}}
    (decision,) = post(client, "/v1/decide", {**body, **extra})["decisions"]
    return decision


def logged_context(app, decision_id: str) -> dict:
    app.settle()
    with app.runtime.event_log.cursor() as cursor:
        (context,) = cursor.execute("SELECT context FROM decisions WHERE decision_id = ?", [decision_id]).fetchone()
    return orjson.loads(context)


def stored_row(app, visitor: str) -> tuple | None:
    app.runtime.counter_flush.flush()
    with app.runtime.event_log.cursor() as cursor:
        return cursor.execute("SELECT sessions, views, events FROM visitor_counters WHERE site = ? AND visitor = ?",
                              [SITE, hashed(app.runtime, visitor, SITE)]).fetchone()


def test_a_gte_rule_on_pricing_views_switches_the_variant_on_the_second_pricing_visit(app):
    visitor = new_id()
    assert visit(app.client, visitor, "/")["variant"] == "classic"
    assert visit(app.client, visitor, "/pricing")["variant"] == "classic"  # pricing once
    second = visit(app.client, visitor, "/pricing/teams?plan=pro")
    assert second["variant"] == "help" and second["content"] == {"text": "Questions about pricing?"}
    assert second["explain"]["reason"] == "rule" and second["explain"]["rule"] == "pricing twice"
    assert "you visited pricing at least 2 times" in second["explain"]["summary"]
    assert visit(app.client, visitor, "/docs/start")["variant"] == "help"  # the count stays on every page after


def test_a_new_visitors_first_page_counts_once_their_impression_brings_the_id(app):
    """The widget decides a new visitor's first page without an id, and makes the id with its impression."""
    first = visit(app.client, None, "/pricing")
    visitor = new_id()
    seen = [{"id": new_id(), "type": "impression", "decision_id": first["decision_id"]}]
    post(app.client, "/v1/events", {"site": SITE, "visitor": visitor, "events": seen}, status=202)
    post(app.client, "/v1/events", {"site": SITE, "visitor": visitor, "events": [  # seen again: not counted again
        {"id": new_id(), "type": "impression", "decision_id": first["decision_id"]}]}, status=202)
    assert app.runtime.counters.facts(SITE, hashed(app.runtime, visitor, SITE))["pricing_views"] == 1
    assert visit(app.client, visitor, "/pricing")["variant"] == "help"  # the second pricing visit


def test_the_policy_learns_from_bucketed_counts_logged_with_the_decision(app):
    visitor = new_id()
    for _ in range(3):
        visit(app.client, visitor, "/pricing")
    decision = visit(app.client, visitor, "/docs/api")
    context = logged_context(app, decision["decision_id"])
    assert context["pricing_views"] == "3-5" and context["docs_views"] == "1"
    assert context["sessions"] == "1" and context["days_since_first"] == "0"
    assert app.runtime.counters.facts(SITE, hashed(app.runtime, visitor, SITE))["pricing_views"] == 3  # rules: exact


def test_sessions_and_days_since_first_follow_the_injected_clock(app, clock):
    visitor = new_id()
    visit(app.client, visitor, "/")
    facts = lambda: app.runtime.counters.facts(SITE, hashed(app.runtime, visitor, SITE))  # noqa: E731
    assert facts()["sessions"] == 1 and facts()["days_since_first"] == 0
    clock.pass_minutes(29)
    visit(app.client, visitor, "/")
    assert facts()["sessions"] == 1  # 29 minutes idle: the same session
    clock.pass_minutes(SESSION_GAP_MS / 60_000 + 1)
    visit(app.client, visitor, "/")
    assert facts()["sessions"] == 2
    clock.pass_minutes(2 * 24 * 60)
    decision = visit(app.client, visitor, "/")
    assert facts() == {"sessions": 3, "days_since_first": 2, "pricing_views": 0, "docs_views": 0}
    assert logged_context(app, decision["decision_id"])["days_since_first"] == "2"
    clock.pass_minutes(9 * 24 * 60)
    assert facts()["days_since_first"] == 11  # counted from the first visit, read at any time


def test_tracked_events_are_counted_once_each_and_a_rule_can_compare_them(app):
    visitor = new_id()
    visit(app.client, visitor, "/")
    signup = {"id": new_id(), "type": "track", "name": "signup"}
    post(app.client, "/v1/events", {"site": SITE, "visitor": visitor, "events": [signup]}, status=202)
    events = [signup, {"id": new_id(), "type": "track", "name": "signup"}]  # a retry of the first, and another
    assert post(app.client, "/v1/events", {"site": SITE, "visitor": visitor, "events": events},
                status=202)["duplicates"] == 1
    app.settle()
    assert app.runtime.counters.facts(SITE, hashed(app.runtime, visitor, SITE))["signup_count"] == 2
    assert visit(app.client, visitor, "/")["variant"] == "classic"
    post(app.client, "/v1/events", {"site": SITE, "visitor": visitor,
                                    "events": [{"id": new_id(), "type": "track", "name": "signup"}]}, status=202)
    app.settle()
    assert visit(app.client, visitor, "/")["variant"] == "help"  # signup_count gte 3


def test_no_counters_without_a_visitor_id_or_with_personalization_off(app):
    held = app.runtime.counters.held(SITE)
    for _ in range(3):
        assert visit(app.client, None, "/pricing")["variant"] == "classic"
    assert app.runtime.counters.held(SITE) == held
    visitor = new_id()
    for _ in range(3):
        assert visit(app.client, visitor, "/pricing", personalization=False)["variant"] == "classic"
    gpc = {"site": SITE, "visitor": visitor, "blocks": ["hero"], "context": {"page": "/pricing"}}
    for _ in range(3):
        post(app.client, "/v1/decide", gpc, headers={"Sec-GPC": "1"})
    assert app.runtime.counters.held(SITE) == held
    assert app.runtime.counters.facts(SITE, hashed(app.runtime, visitor, SITE)) == {}
    assert stored_row(app, visitor) is None


def test_a_site_without_a_counters_table_counts_nothing(app):
    visitor = new_id()
    body = {"site": "pk_plain", "visitor": visitor, "blocks": ["hero"], "context": {"page": "/pricing"}}
    (decision,) = post(app.client, "/v1/decide", body)["decisions"]
    post(app.client, "/v1/events", {"site": "pk_plain", "visitor": visitor,
                                    "events": [{"id": new_id(), "type": "track", "name": "signup"}]}, status=202)
    app.settle()
    assert app.runtime.counters.held("pk_plain") == 0
    assert logged_context(app, decision["decision_id"]) == {"page": "/pricing"}


def test_erasure_removes_the_visitors_counters_from_memory_and_the_table(app):
    visitor, other = new_id(), new_id()
    for who in (visitor, visitor, other):
        visit(app.client, who, "/pricing")
    assert stored_row(app, visitor) == (1, '{"pricing":2}', "{}")
    post(app.client, "/v1/visitor/erase", {"site": SITE, "visitor": visitor})
    assert app.runtime.counters.facts(SITE, hashed(app.runtime, visitor, SITE)) == {}
    assert stored_row(app, visitor) is None
    assert stored_row(app, other) is not None  # only that visitor's
    assert visit(app.client, visitor, "/pricing")["variant"] == "classic"  # counting starts again from zero


def test_retention_deletes_counters_last_seen_before_the_behaviour_period(app):
    visitor = new_id()
    visit(app.client, visitor, "/pricing")
    assert stored_row(app, visitor) is not None
    far_future = time.time_ns() // 1_000_000 + 400 * DAY_MS
    with pytest.MonkeyPatch.context() as patch:  # the rollup has counted everything: behaviour goes at its period
        patch.setattr("server.privacy.retention.folded_below", lambda cursor: far_future)
        runs = app.runtime.retention.run_once(now_ms=far_future)
    assert sum(r.deleted for r in runs if r.kind == "behaviour") >= 1
    assert stored_row(app, visitor) is None
    assert app.runtime.counters.facts(SITE, hashed(app.runtime, visitor, SITE)) == {}


def test_counters_survive_a_restart(tmp_path, config_path):
    visitor = new_id()
    with attune(tmp_path / "data", config=config_path) as first:
        visit(first.client, visitor, "/pricing")
        visit(first.client, visitor, "/pricing")
        post(first.client, "/v1/events", {"site": SITE, "visitor": visitor,
                                          "events": [{"id": new_id(), "type": "track", "name": "demo_booked"}]},
             status=202)
        first.settle()
    with attune(tmp_path / "data", config=config_path) as second:
        facts = second.runtime.counters.facts(SITE, hashed(second.runtime, visitor, SITE))
        assert facts["pricing_views"] == 2 and facts["demo_booked_count"] == 1 and facts["sessions"] == 1
        assert visit(second.client, visitor, "/")["variant"] == "help"


def test_the_memory_cap_drops_the_least_recently_seen_visitor_and_keeps_its_last_change():
    counters = VisitorCounters(page_groups=lambda site: {"pricing": ["/pricing*"]}, max_visitors_per_site=3)
    for who in ("a", "b", "c"):
        counters.observe("pk", who, page="/pricing", now=0)
    counters.changed_rows()
    counters.observe("pk", "a", page="/", now=1)  # a is recent again: b is now the least recently seen
    counters.observe("pk", "d", page="/pricing", now=2)
    assert counters.held("pk") == 3
    assert counters.facts("pk", "b") == {} and counters.facts("pk", "a")["pricing_views"] == 1
    counters.observe("pk", "e", page="/", now=3)  # c goes: it had not changed since stored
    rows = {row[1]: row for row in counters.changed_rows()}
    assert set(rows) == {"a", "d", "e"} and counters.held("pk") == 3
    counters.observe("pk", "other-site", page="/", now=4)  # the cap is per site
    assert counters.held("pk") == 3 and counters.held("other") == 0


def test_a_visitor_dropped_before_its_change_was_stored_is_still_stored():
    counters = VisitorCounters(page_groups=lambda site: {}, max_visitors_per_site=1)
    counters.observe("pk", "a", page="/", now=0)
    counters.observe("pk", "b", page="/", now=1)  # a goes from memory, unstored
    assert counters.held("pk") == 1 and counters.facts("pk", "a") == {}
    assert sorted(row[1] for row in counters.changed_rows()) == ["a", "b"]


def test_memory_per_visitor_at_the_cap_is_stated(capsys):
    groups = {f"group{i}": [f"/g{i}*"] for i in range(5)}
    counters = VisitorCounters(page_groups=lambda site: groups, max_visitors_per_site=10_000)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(10_000):
        counters.observe("pk", f"{i:032x}", page=f"/g{i % 5}/x", now=i)
    per_visitor = (tracemalloc.get_traced_memory()[0] - before) / 10_000
    tracemalloc.stop()
    with capsys.disabled():
        sys.stdout.write(f"\n  counters: {per_visitor:.0f} bytes per visitor (one group viewed, 5 configured)\n")
    assert per_visitor < 800  # so the cap of 50,000 visitors a site holds under 40 MB


def test_a_counter_factor_is_said_as_the_visitors_count():
    fields = [FactorField(field="pricing_views", value="2")]
    why = Explain(reason="model", policy="contextual", summary="",
                  factors=[Factor(feature="pricing_views=2", label="pricing views is 2", weight=0.4, fields=fields)])
    said = explain.in_visitor_words(why, {})
    assert said.factors[0].label == "you visited pricing 2 times"
    assert said.factors[0].fields[0].label == "you visited pricing 2 times"  # what the widget shows
    assert said.summary == "Chosen because you visited pricing 2 times: visitors like you responded to it most."
    own = explain.in_visitor_words(why, {"pricing_views=2": "you compared our plans twice"})
    assert own.factors[0].label == "you compared our plans twice"  # the site's own words win
