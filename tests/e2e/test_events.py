"""What a visitor does reaches the event log and the learner: impressions only when seen, clicks, ratings."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet
from tests.e2e.visit import settled, wait_for

HERO = """<section data-attune-block="hero">
  <h1 data-attune-field="title">From the page: welcome</h1>
  <a data-attune-field="cta" href="#page-cta">The page's own link</a>
</section>"""

FAR_BELOW = """<div class="spacer">Scroll down</div>
<section data-attune-block="offer" class="offer">
  <h2 data-attune-field="title">From the page: an offer far below the fold</h2>
  <p data-attune-field="body">Seen only by those who scroll.</p>
</section>
<div class="spacer">The end</div>"""

TALL = "<style>.spacer { height: 2400px } .offer { height: 400px }</style>"

RECS = """<section data-attune-block="recs"><h2>Picks</h2>
  <div data-attune-field="html"><ul><li>Page pick</li></ul></div></section>"""


def test_an_impression_is_sent_only_once_half_the_block_was_visible_for_a_second(site, attune, visit):
    url = site.add("/fold.html", html_page(HERO + FAR_BELOW, script=snippet(attune.url, "pk_e2e"), head=TALL))
    visit.fake_clock().open(url)  # the page's seconds pass at once where nothing but its timers is awaited
    hero, offer = visit.decision("hero"), visit.decision("offer")
    assert visit.state("offer") == "personalized" and offer  # decided at once, though nobody has seen it yet

    assert len(visit.wait_for_events("impression", hero)) == 1  # on screen from the start
    top = visit.page.evaluate("() => document.querySelector('.offer').getBoundingClientRect().top + scrollY")
    viewport = visit.page.viewport_size["height"]

    visit.scroll_to(top - viewport + 100)  # a quarter of it in view, for long enough
    visit.let_time_pass(1300)
    visit.flush()
    visit.scroll_to(top - 200)  # all of it, but only briefly
    visit.let_time_pass(400)
    visit.scroll_to(0)
    visit.let_time_pass(1200)
    visit.flush()
    assert visit.events("impression", offer) == []

    shown_at = visit.page.evaluate("(y) => { window.scrollTo(0, y); return Date.now(); }", top - 200)
    (impression,) = visit.wait_for_events("impression", offer)
    assert impression["ts"] >= shown_at + 1000 - 50  # one continuous second (timer granularity aside)

    visit.scroll_to(0)  # seen again later: still one impression per decision
    visit.scroll_to(top - 200)
    visit.let_time_pass(1300)
    visit.flush()
    assert len(visit.events("impression", offer)) == 1 and len(visit.events("impression", hero)) == 1
    assert visit.errors == []


def test_a_click_reaches_the_event_log_and_the_learner_learns_the_impression_once(site, attune, visit):
    url = site.add("/click.html", html_page(HERO, script=snippet(attune.url, "pk_e2e")))
    before = settled(attune, "learned", still=1.1)
    visit.open(url)
    decision = visit.decision("hero")
    assert visit.wait_for_events("impression", decision)
    position = settled(attune, "log_position")

    def beacon(request) -> bool:
        return request.url.endswith("/v1/events") and request.resource_type == "ping"

    with visit.page.expect_request(beacon, timeout=3000):  # sent at once by beacon, not held for a batch
        visit.block("hero").get_by_role("link").click()
    assert visit.page.url.endswith(visit.block("hero").get_by_role("link").get_attribute("href"))  # not held either
    assert wait_for(lambda: attune.health()["log_position"] == position + 1, timeout=5)  # the click, stored

    assert wait_for(lambda: attune.health()["learned"] == before + 1, timeout=5)  # its 1 s window closed
    time.sleep(1.2)
    assert attune.health()["learned"] == before + 1  # learned once, clicks and all
    assert visit.errors == []


def test_a_rating_is_sent_and_closes_a_long_reward_window_early(site, attune, visit):
    url = site.add("/stars.html", html_page(RECS, script=snippet(attune.url, "pk_window")))  # a 600 s window
    before = settled(attune, "learned", still=1.1)
    visit.open(url)
    recs, decision = visit.block("recs"), visit.decision("recs")
    assert visit.state("recs") == "personalized"
    assert visit.wait_for_events("impression", decision)
    time.sleep(1.5)
    assert attune.health()["learned"] == before  # seen, but its window stays open

    recs.get_by_role("button", name="4 of 5 stars").click()
    expect(recs.get_by_role("button", name="4 of 5 stars")).to_have_attribute("aria-pressed", "true")
    expect(recs.get_by_role("group", name="Rate this content").get_by_role("button")).to_have_text(list("★★★★☆"))
    (rating,) = visit.wait_for_events("rating", decision)
    assert rating["value"] == 4
    assert wait_for(lambda: attune.health()["learned"] == before + 1, timeout=3)  # learned now, not in 10 minutes

    one_star = recs.get_by_role("button", name="1 of 5 stars")
    expect(one_star).to_have_attribute("aria-disabled", "true")
    one_star.click(force=True)  # still focusable and clickable, but one rating per decision
    visit.flush()
    assert len(visit.events("rating")) == 1 and visit.state("recs") == "personalized"
    assert visit.errors == []
