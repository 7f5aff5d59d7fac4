"""The widget works on a page with a strict Content-Security-Policy, needing only the nonce and connect-src."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet
from tests.e2e.visit import wait_for

BLOCKS = """<section data-attune-block="hero">
  <h1 data-attune-field="title">From the page: welcome</h1>
  <a data-attune-field="cta" href="#page-cta">The page's own link</a>
</section>
<section data-attune-block="recs"><h2>Picks</h2>
  <div data-attune-field="html"><ul><li>Page pick</li></ul></div>
</section>"""


def strict_csp(api: str) -> str:
    return f"default-src 'self'; script-src 'nonce-abc'; style-src 'self'; connect-src {api}"


def test_a_strict_csp_page_is_personalized_without_a_single_violation(site, attune, visit):
    site.add("/csp/site.css", "section { margin: 1rem 0 }", content_type="text/css")
    url = site.add("/csp/page.html", html_page(BLOCKS, script=snippet(attune.url, "pk_e2e", nonce="abc"),
                                               head='<link rel="stylesheet" href="/csp/site.css">'),
                   headers={"content-security-policy": strict_csp(attune.url)})
    visit.open(url)
    hero, recs = visit.block("hero"), visit.block("recs")
    assert visit.state("hero") == visit.state("recs") == "personalized"
    expect(hero.locator("h1")).not_to_have_text("From the page: welcome")
    expect(recs.get_by_role("listitem").first).not_to_have_text("Page pick")

    # the UI in its shadow roots is styled (constructable sheets): the corner bar sits over its block, not in flow
    assert hero.locator("attune-ui").evaluate("(host) => getComputedStyle(host).position") == "absolute"
    hero.get_by_role("button", name="Why am I seeing this?").click()
    dialog = hero.get_by_role("dialog", name="Why am I seeing this?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    hero.get_by_role("button", name="Relevant", exact=True).click()
    assert visit.wait_for_events("rating", visit.decision("hero"))  # connect-src lets events through
    assert visit.wait_for_events("impression", visit.decision("hero"))

    assert visit.csp_violations() == []
    assert [text for _, text in visit.console if "Content Security Policy" in text] == []
    assert visit.errors == []

    # and the listener does hear a violation: an inline style attribute is one under this policy
    visit.page.evaluate("() => document.querySelector('h1').setAttribute('style', 'color: red')")
    assert wait_for(lambda: any("style-src" in v for v in visit.csp_violations()), timeout=3)
