"""Sticky variants in a real browser (issue 15): a visitor reloading a page keeps seeing the same variant."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet
from tests.support.server import AttuneServer

CONFIG = """
[[sites]]
key = "pk_sticky"
allowed_origins = ["{origin}"]
reward_window = 1
holdout_share = 0.0

[[sites.blocks]]
id = "hero"  # sticky = "session", the default
policy = "uniform"
fallback = "classic"
variants = [
  {{ id = "classic", content = {{ title = "Variant classic: new season" }} }},
  {{ id = "deal", content = {{ title = "Variant deal: 20% off today" }} }},
  {{ id = "story", content = {{ title = "Variant story: made to last" }} }},
  {{ id = "app", content = {{ title = "Variant app: shop on the go" }} }},
]

[[sites.blocks]]
id = "offer"
policy = "uniform"
sticky = "none"
fallback = "o1"
variants = [
  {{ id = "o1", content = {{ title = "Variant o1: free gift" }} }},
  {{ id = "o2", content = {{ title = "Variant o2: members save" }} }},
  {{ id = "o3", content = {{ title = "Variant o3: free returns" }} }},
  {{ id = "o4", content = {{ title = "Variant o4: gift cards" }} }},
]
"""
TITLES = {"classic": "Variant classic: new season", "deal": "Variant deal: 20% off today",
          "story": "Variant story: made to last", "app": "Variant app: shop on the go"}

PAGE = """<section data-attune-block="hero"><h1 data-attune-field="title">From the page: welcome</h1></section>
<section data-attune-block="offer"><h2 data-attune-field="title">From the page: an offer</h2></section>"""


@pytest.fixture(scope="module")
def sticky_attune(tmp_path_factory, site, widget_bundle):
    """`attune serve` with a session-sticky hero and a hero-like block that is not sticky."""
    directory = tmp_path_factory.mktemp("e2e-sticky")
    config = directory / "sticky.toml"
    config.write_text(CONFIG.format(origin=site.origin))
    running = AttuneServer(directory / "data", config=config).start()
    yield running
    running.stop()


def test_a_visitor_reloading_ten_times_sees_one_variant(site, sticky_attune, new_visit):
    url = site.add("/sticky.html", html_page(PAGE, script=snippet(sticky_attune.url, "pk_sticky")))
    visit = new_visit().open(url)
    heroes, offers = [], []
    for load in range(10):
        if load:
            visit.page.reload()
            visit.ready()
        hero = visit.block("hero")
        expect(hero).to_have_attribute("data-attune-state", "personalized")
        expect(hero.locator("h1")).to_have_text(TITLES[visit.variant("hero")])
        heroes.append((visit.decision("hero"), visit.variant("hero")))
        offers.append(visit.variant("offer"))
        assert visit.wait_for_events("impression", visit.decision("hero"))  # the visitor looked at it
    # the SDK sends a brand-new visitor's first decide without an id (made once the server has answered); the
    # first page's impression, sent with the new id, claims that decision: all ten loads show it
    assert visit.decides[0]["visitor"] is None
    assert len({body["visitor"] for body in visit.decides[1:]}) == 1 and visit.decides[1]["visitor"]
    assert len(set(heroes)) == 1  # one decision, one variant: uniform over 4 without stickiness, P = 4**-9
    assert len(set(offers)) > 1  # sticky = "none" still decides on every load (P(one variant) = 4**-9)

    newcomer = new_visit().open(url)  # another visitor gets a decision of their own
    assert newcomer.decision("hero") != heroes[0][0]
    assert visit.errors == [] and newcomer.errors == []
