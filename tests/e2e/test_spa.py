"""Single-page apps: a route that adds a block after history.pushState gets it decided; so does going back,
and a block that stays in the layout is decided again for each new path."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.config import content
from tests.e2e.site import html_page, snippet

LAYOUT = """<nav aria-label="Shop"><a href="/spa/" data-route>Home</a> <a href="/spa/deals" data-route>Deals</a>
  <a href="/spa/about" data-route>About</a></nav>
<div id="outlet"></div>
<aside data-attune-block="banner"><p data-attune-field="title">From the page: free shipping</p></aside>
<script src="/spa/app.js"></script>"""

# The app's own router: renders the route's view into #outlet, on link clicks (pushState) and on popstate.
ROUTER = """
const views = {
  "/spa/": '<section data-attune-block="hero"><h1 data-attune-field="title">From the page: home</h1></section>',
  "/spa/deals": '<section data-attune-block="deals"><h2 data-attune-field="title">From the page: deals</h2></section>',
  "/spa/about": "<p>About us: no block of its own.</p>",
};
const render = () => { document.getElementById("outlet").innerHTML = views[location.pathname] || "<p>Not found</p>"; };
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-route]");
  if (!link) return;
  event.preventDefault();
  history.pushState({}, "", link.getAttribute("href"));
  render();
});
addEventListener("popstate", render);
render();
"""


def test_a_route_pushed_by_the_app_gets_its_new_block_decided_and_so_does_going_back(site, attune, visit):
    site.add("/spa/app.js", ROUTER, content_type="text/javascript")
    url = site.add("/spa/*", html_page(LAYOUT, script=snippet(attune.url, "pk_e2e")))
    visit.open(url)
    assert visit.state("hero") == visit.state("banner") == "personalized"
    assert [sorted(d["blocks"]) for d in visit.decides] == [["banner", "hero"]]
    banner_on_home = visit.decision("banner")

    visit.page.get_by_role("link", name="Deals").click()
    assert visit.page.url.endswith("/spa/deals")
    deals = visit.block("deals")
    expect(deals).to_have_attribute("data-attune-state", "personalized")
    expect(deals.locator("h2")).to_have_text(content("pk_e2e", "deals", visit.variant("deals"))["title"])
    expect(deals.get_by_role("button", name="Why am I seeing this?")).to_be_visible()
    # one call for everything that changed: the new block, and the layout's block on its new path
    assert len(visit.decides) == 2
    assert sorted(visit.decides[1]["blocks"]) == ["banner", "deals"]
    assert visit.decides[1]["context"]["page"] == "/spa/deals"
    expect(visit.block("banner")).to_have_attribute("data-attune-state", "personalized")

    visit.page.go_back()
    assert visit.page.url.endswith("/spa/")
    hero = visit.block("hero")  # a new element, rendered by the app on popstate
    expect(hero).to_have_attribute("data-attune-state", "personalized")
    expect(hero.locator("h1")).to_have_text(content("pk_e2e", "hero", visit.variant("hero"))["title"])
    assert len(visit.decides) == 3 and visit.decides[2]["context"]["page"] == "/spa/"
    assert sorted(visit.decides[2]["blocks"]) == ["banner", "hero"]

    # a route that adds no block: the layout's block is still asked about, for its new path, and being sticky
    # for this visitor (the id exists since the first answer) it keeps the decision it has
    banner_on_home = visit.decision("banner")
    with visit.page.expect_response("**/v1/decide"):
        visit.page.get_by_role("link", name="About").click()
    assert len(visit.decides) == 4 and visit.decides[3]["blocks"] == ["banner"]
    expect(visit.block("banner")).to_have_attribute("data-attune-decision", banner_on_home)
    assert visit.decides[3]["context"]["page"] == "/spa/about"
    assert visit.errors == [] and visit.console_errors() == []
