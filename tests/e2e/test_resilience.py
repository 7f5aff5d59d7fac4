"""When Attune is down, slow or refuses the origin, the page keeps its own content and never breaks."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet
from tests.support.server import free_port

HERO = """<section data-attune-block="hero">
  <h1 data-attune-field="title">From the page: welcome</h1>
  <p data-attune-field="body">The page's own introduction.</p>
</section>"""

# Records when each block's data-attune-state changed, on the page's own clock.
WATCH_STATES = """
window.__states = [];
new MutationObserver((records) => records.forEach((r) =>
  window.__states.push([r.target.getAttribute("data-attune-block"), r.target.getAttribute("data-attune-state"),
                        performance.now()])
)).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-attune-state"] });
"""


def assert_page_content_kept(visit, state: str) -> None:
    hero = visit.block("hero")
    expect(hero).to_have_attribute("data-attune-state", state)
    expect(hero.locator("h1")).to_have_text("From the page: welcome")
    expect(hero.locator("p")).to_have_text("The page's own introduction.")
    assert visit.variant("hero") is None and visit.decision("hero") is None
    expect(hero.locator("attune-ui")).to_have_count(0)  # nothing to rate or explain
    assert visit.errors == []


def delay(seconds: float):
    """A route handler that answers like the real API, `seconds` late."""
    def handle(route):
        time.sleep(seconds)  # the browser's clock runs on: its own timeout fires meanwhile
        try:
            route.continue_()
        except Exception:  # noqa: BLE001 - the page gave up on this request (aborted it) already
            pass
    return handle


def test_an_api_that_is_down_leaves_the_page_as_it_was(site, attune, visit):
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens: a stopped server
    url = site.add("/down.html", html_page(HERO, script=snippet(attune.url, "pk_e2e", data_endpoint=down)))
    visit.open(url)
    assert_page_content_kept(visit, "error")
    assert [d["blocks"] for d in visit.decides] == [["hero"]]  # it asked once, and did not retry into the void


def test_a_decide_request_that_fails_leaves_the_page_as_it_was(site, attune, visit):
    url = site.add("/aborted.html", html_page(HERO, script=snippet(attune.url, "pk_e2e")))
    visit.page.route("**/v1/decide", lambda route: route.abort("connectionreset"))
    visit.open(url)
    assert_page_content_kept(visit, "error")


def test_when_the_whole_server_is_down_the_page_still_works(site, visit):
    down = f"http://127.0.0.1:{free_port()}"
    url = site.add("/no-script.html", html_page(HERO, script=snippet(down, "pk_e2e")))
    visit.page.goto(url)
    visit.page.wait_for_load_state("load")
    expect(visit.block("hero").locator("h1")).to_have_text("From the page: welcome")
    assert visit.state("hero") is None and visit.errors == []


def test_a_slow_api_times_out_after_a_second_and_its_late_answer_is_ignored(site, attune, visit):
    url = site.add("/slow.html", html_page(HERO, script=snippet(attune.url, "pk_e2e")))
    visit.page.add_init_script(WATCH_STATES)
    visit.page.route("**/v1/decide", delay(2.0))
    visit.open(url)
    assert_page_content_kept(visit, "timeout")
    states = visit.page.evaluate("() => window.__states")
    (pending, asked_at), (timeout, gave_up_at) = [(state, at) for _, state, at in states][:2]
    assert (pending, timeout) == ("pending", "timeout")
    assert 900 <= gave_up_at - asked_at <= 1600  # the default 1 s, not the 2 s the answer took

    visit.page.wait_for_timeout(1500)  # long after the late answer would have come
    assert_page_content_kept(visit, "timeout")
    assert [s for _, s, _ in visit.page.evaluate("() => window.__states")] == ["pending", "timeout"]


def test_data_timeout_gives_a_slow_api_longer(site, attune, visit):
    url = site.add("/patient.html", html_page(HERO, script=snippet(attune.url, "pk_e2e", data_timeout="3500")))
    visit.page.route("**/v1/decide", delay(2.0))
    visit.open(url)
    expect(visit.block("hero")).to_have_attribute("data-attune-state", "personalized")
    expect(visit.block("hero").locator("h1")).not_to_have_text("From the page: welcome")
    assert visit.errors == []


def test_an_origin_the_site_does_not_allow_gets_no_decisions(stranger_site, attune, visit):
    url = stranger_site.add("/stranger.html", html_page(HERO, script=snippet(attune.url, "pk_e2e")))
    visit.open(url)
    assert_page_content_kept(visit, "error")
    assert any("CORS" in text for text in visit.console_errors())  # the browser refused the answer
