"""A site owner pastes the script tag into a plain page on their own origin; Attune runs on another."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.config import content
from tests.e2e.site import html_page, snippet
from tests.e2e.visit import settled, wait_for

HERO = """<section data-attune-block="hero">
  <h1 data-attune-field="title">From the page: welcome to the shop</h1>
  <p data-attune-field="body">The page's own introduction.</p>
  <a data-attune-field="cta" href="#page-cta">The page's own link</a>
</section>"""

RECS_WITHOUT_MARKERS = """<section data-attune-block="recs"><h2>From the page: our picks</h2></section>"""

RECS_WITH_MARKERS = """<section data-attune-block="recs">
  <h2>Picks</h2>
  <div data-attune-field="html"><ul><li>Page pick one</li><li>Page pick two</li><li>Page pick three</li></ul></div>
</section>"""

# Sums every layout shift the page has had since it started (buffered), as Lighthouse's CLS does for one window.
MEASURE_CLS = """
window.__cls = 0;
new PerformanceObserver((list) => list.getEntries().forEach((entry) => {
  if (!entry.hadRecentInput) window.__cls += entry.value;
})).observe({ type: "layout-shift", buffered: true });
"""


def list_items(html: str) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", html)


def test_the_pasted_snippet_shows_each_block_its_variant_from_another_origin(site, attune, visit):
    url = site.add("/snippet.html", html_page(HERO + RECS_WITHOUT_MARKERS, script=snippet(attune.url, "pk_e2e")))
    assert site.origin != attune.url
    visit.open(url)

    hero, recs = visit.block("hero"), visit.block("recs")
    assert visit.state("hero") == "personalized" and visit.decision("hero")
    shown = content("pk_e2e", "hero", visit.variant("hero"))
    expect(hero.locator("h1")).to_have_text(shown["title"])
    expect(hero.locator("p")).to_have_text(shown["body"])
    expect(hero.get_by_role("link")).to_have_text(shown["cta"])
    expect(hero.get_by_role("link")).to_have_attribute("href", shown["href"])

    assert visit.state("recs") == "personalized"
    recs_items = list_items(content("pk_e2e", "recs", visit.variant("recs"))["html"])
    expect(recs.get_by_role("listitem")).to_have_text(recs_items)
    expect(recs).not_to_contain_text("From the page")

    # one decide call for both blocks, on the page's own context
    (asked,) = visit.decides
    assert sorted(asked["blocks"]) == ["hero", "recs"] and asked["context"]["page"] == "/snippet.html"
    # every decided block carries its rating control and its explanation button
    expect(hero.get_by_role("group", name="Rate this content").get_by_role("button")).to_have_text(["👍", "👎"])
    expect(hero.get_by_role("button", name="Relevant", exact=True)).to_be_visible()
    expect(recs.get_by_role("button", name=re.compile(r"^\d of 5 stars$"))).to_have_count(5)
    expect(recs.get_by_role("button", name="Why am I seeing this?")).to_be_visible()
    assert visit.errors == [] and visit.console_errors() == []


def test_blocks_with_field_markers_do_not_move_the_page(site, attune, visit):
    below = '<p id="below">Text under the blocks, which moves if a block changes size.</p>'
    url = site.add("/cls.html", html_page(HERO + RECS_WITH_MARKERS + below, script=snippet(attune.url, "pk_e2e")))
    visit.page.add_init_script(MEASURE_CLS)
    assert visit.page.evaluate("() => PerformanceObserver.supportedEntryTypes.includes('layout-shift')")
    visit.open(url)
    visit.page.wait_for_timeout(1500)  # the corner UI drawn, impressions counted: all after the swap

    assert visit.state("hero") == visit.state("recs") == "personalized"
    expect(visit.block("hero").locator("h1")).to_have_text(content("pk_e2e", "hero", visit.variant("hero"))["title"])
    expect(visit.block("recs").get_by_role("listitem").first).not_to_have_text("Page pick one")
    cls = visit.page.evaluate("() => window.__cls")
    assert cls <= 0.01, f"cumulative layout shift {cls:.4f}"

    # the measurement itself sees a shift: the same page, a banner pushed in above the blocks
    visit.page.evaluate("""() => { const b = document.createElement('p'); b.textContent = 'Pushed in';
        b.className = 'push'; document.querySelector('main').prepend(b); }""")
    assert wait_for(lambda: visit.page.evaluate("() => window.__cls") > 0.01, timeout=3)


def test_a_thumbs_down_puts_the_page_content_back_and_the_next_visit_gets_another_variant(site, attune, visit):
    url = site.add("/thumbs.html", html_page(HERO, script=snippet(attune.url, "pk_e2e")))
    visit.open(url)
    hero = visit.block("hero")
    rated, decision = visit.variant("hero"), visit.decision("hero")
    expect(hero.locator("h1")).to_have_text(content("pk_e2e", "hero", rated)["title"])

    position = settled(attune, "log_position")  # before the rating: it moves the log on, whenever it is sent
    hero.get_by_role("button", name="Not relevant").click()
    expect(hero).to_have_attribute("data-attune-state", "fallback")
    expect(hero.locator("h1")).to_have_text("From the page: welcome to the shop")
    expect(hero.get_by_role("link")).to_have_attribute("href", "#page-cta")
    expect(hero.get_by_role("group", name="Rate this content")).to_have_count(0)  # one verdict per decision
    hero.get_by_role("button", name="Why am I seeing this?").click()
    expect(hero.get_by_role("dialog")).to_contain_text("You rated it not relevant")
    hero.get_by_role("button", name="Close").click()

    (rating,) = visit.wait_for_events("rating", decision)
    assert rating["value"] == -1 and rating["visitor"]
    assert wait_for(lambda: attune.health()["log_position"] > position)
    settled(attune, "log_position")  # read by the learner, which keeps rated-down variants from this visitor

    for _ in range(3):  # the server leaves the rated variant out for this visitor (P(pass by luck) <= 1/27)
        visit.page.reload()
        visit.ready()
        assert visit.state("hero") == "personalized"
        assert visit.variant("hero") != rated
        assert visit.decides[-1]["visitor"] == rating["visitor"]
    assert visit.errors == []


def test_the_pinned_snippet_with_its_integrity_hash_runs_and_a_tampered_hash_is_refused(site, attune, visit):
    from server.bundle.files import load_bundle

    bundle = load_bundle()
    pinned = (f'<script src="{attune.url}{bundle.versioned_path}" integrity="{{integrity}}" '
              'crossorigin="anonymous" data-site="pk_e2e" async></script>')
    url = site.add("/pinned.html", html_page(HERO, script=pinned.format(integrity=bundle.integrity)))
    visit.open(url)
    assert visit.state("hero") == "personalized"
    expect(visit.block("hero").locator("h1")).to_have_text(content("pk_e2e", "hero", visit.variant("hero"))["title"])

    # one changed character in the hash: the browser refuses the script and the page keeps its own content
    tampered = bundle.integrity[:-2] + ("A" if bundle.integrity[-2] != "A" else "B") + bundle.integrity[-1]
    url = site.add("/tampered.html", html_page(HERO, script=pinned.format(integrity=tampered)))
    visit.page.goto(url)
    visit.page.wait_for_load_state("load")  # an async script has run, or been refused, before the load event
    assert visit.page.evaluate("() => typeof window.attune") == "undefined"
    expect(visit.block("hero").locator("h1")).to_have_text("From the page: welcome to the shop")
