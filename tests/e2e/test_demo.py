"""The demo shop attune serves at /demo/, as a newcomer finds it: personalized, rateable, learning."""

from __future__ import annotations

import re
import tomllib

from playwright.sync_api import expect

from tests.e2e.visit import settled
from tests.support.server import ROOT

DEMO = tomllib.loads((ROOT / "server" / "config" / "demo.toml").read_text())["sites"][0]


def demo_content(block: str, variant: str) -> dict[str, str]:
    (block_config,) = [b for b in DEMO["blocks"] if b["id"] == block]
    (found,) = [v["content"] for v in block_config["variants"] if v["id"] == variant]
    return found


def newcomer(new_visit, url: str):
    """A first-time visitor none of whose blocks fell in the holdout (5% of anonymous decisions, each drawn alone)."""
    for _ in range(5):  # P(five newcomers each with a block in the holdout) < 0.15**5
        visit = new_visit()
        visit.open(url)
        states = visit.page.eval_on_selector_all("[data-attune-block]", "blocks => blocks.map(b => b.dataset.attuneState)")
        if "fallback" not in states:
            return visit
    raise AssertionError("five newcomers in a row saw the page's own content in some block")


def test_a_newcomer_rates_the_hero_down_and_the_next_visit_shows_another_variant(widget_bundle, demo_server, new_visit):
    visit = newcomer(new_visit, demo_server.url + "/demo/")
    for name in ("hero", "recs", "banner"):
        expect(visit.block(name)).to_have_attribute("data-attune-state", "personalized")
    hero = visit.block("hero")
    rated, decision = visit.variant("hero"), visit.decision("hero")
    shown = demo_content("hero", rated)
    expect(hero.get_by_role("heading", level=1)).to_have_text(shown["title"])
    expect(hero.get_by_role("link", name=shown["cta"])).to_have_attribute("href", shown["href"])
    recs_title = demo_content("recs", visit.variant("recs"))["title"]
    expect(visit.block("recs").get_by_role("heading", level=2)).to_have_text(recs_title)
    expect(visit.block("banner")).to_contain_text(demo_content("banner", visit.variant("banner"))["title"])

    hero.get_by_role("button", name="Not relevant").click()
    expect(hero).to_have_attribute("data-attune-state", "fallback")
    expect(hero.get_by_role("heading", level=1)).to_have_text("New season, new favourites")  # the page's own
    (rating,) = visit.wait_for_events("rating", decision)
    assert rating["value"] == -1 and rating["visitor"]
    settled(demo_server, "log_position")  # the learner has read the rating

    for _ in range(3):  # the next visits, as the same visitor (P(a broken suppression passes) <= 1/27)
        visit.page.reload()
        visit.ready()
        expect(hero).to_have_attribute("data-attune-state", "personalized")
        assert visit.variant("hero") != rated
        expect(hero.get_by_role("heading", level=1)).to_have_text(demo_content("hero", visit.variant("hero"))["title"])
    assert visit.errors == [] and visit.console_errors() == []


def test_the_demo_app_decides_the_blocks_of_each_view(widget_bundle, demo_server, new_visit):
    for _ in range(5):  # the first view is decided before the id exists (never a holdout draw): the second tells
        visit = new_visit()
        visit.open(demo_server.url + "/demo/spa.html")
        expect(visit.block("recs")).to_have_attribute("data-attune-state", "personalized")
        visit.page.get_by_role("link", name="Offers").click()
        banner = visit.block("banner")
        expect(banner).to_have_attribute("data-attune-state", re.compile("personalized|fallback"))
        if visit.state("banner") == "personalized":  # else one of the sticky 5% in the holdout: another newcomer
            break
    expect(banner).to_have_attribute("data-attune-state", "personalized")
    expect(banner).to_contain_text(demo_content("banner", visit.variant("banner"))["title"])
    visit.page.go_back()
    expect(visit.block("hero")).to_have_attribute("data-attune-state", "personalized")
    assert visit.errors == [] and visit.console_errors() == []
