"""Behavioural counters in a real browser (issue 13): a `gte` rule on `pricing_views` switches the hero to
"Questions about pricing?" on the visitor's second visit to the pricing page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet

HERO = '<section data-attune-block="hero"><h1 data-attune-field="title">From the page: our plans</h1></section>'


def test_the_second_pricing_visit_switches_the_hero(site, attune, visit):
    script = snippet(attune.url, "pk_counters")
    home = site.add("/counters/", html_page(HERO, script=script))
    pricing = site.add("/counters/pricing", html_page(HERO, script=script, title="Pricing"))
    hero = visit.block("hero").locator("h1")

    def look(url: str, title: str) -> None:
        """Open the page and look at the hero (its impression is sent: a new visitor's id is made with it)."""
        visit.open(url)
        expect(hero).to_have_text(title)
        assert visit.wait_for_events("impression", visit.decision("hero"))

    look(pricing, "Variant classic: plans for every team")  # a new visitor lands on pricing: once
    look(home, "Variant classic: plans for every team")
    look(pricing, "Questions about pricing? Talk to us")  # the second visit to the pricing page
    assert visit.variant("hero") == "help"
    look(home, "Questions about pricing? Talk to us")  # the count follows them to every page

    pages = [body["context"]["page"] for body in visit.decides]
    assert pages == ["/counters/pricing", "/counters/", "/counters/pricing", "/counters/"]
    # the first page is decided before the widget makes the id; its impression, sent with the id, counts it
    assert visit.decides[0]["visitor"] is None and all(body["visitor"] for body in visit.decides[1:])
    assert not visit.errors and not visit.console_errors()

    stranger = visit.page.context.browser.new_context()  # another visitor's first pricing visit: not switched
    try:
        other = stranger.new_page()
        other.goto(pricing)
        expect(other.locator('[data-attune-block="hero"] h1')).to_have_text("Variant classic: plans for every team")
    finally:
        stranger.close()
