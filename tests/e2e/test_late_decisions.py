"""A decide answer later than the 1 s timeout (but within the SDK's 5 s deadline) still personalizes the blocks the
visitor has not seen yet, and only those: a block in view keeps the page's content it has shown since the start, and
a decision that was never shown sends no impression, so the learner never learns from it."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet

PAGE = """<section data-attune-block="hero">
  <h1 data-attune-field="title">From the page: welcome</h1>
  <p data-attune-field="body">The page's own introduction.</p>
</section>
<div id="spacer"></div>
<section data-attune-block="deals"><h2 data-attune-field="title">From the page: our deals</h2></section>"""
STYLE = "<style>body{margin:0;font:16px/1.5 sans-serif}#spacer{height:3000px}</style>"

# The visitor scrolls down to the deals and back up between the timeout (1 s) and the answer (2.5 s).
GLANCE_AT_DEALS = """
setTimeout(() => {
  document.querySelector('[data-attune-block="deals"]').scrollIntoView();
  setTimeout(() => scrollTo(0, 0), 200);
}, 1300);
"""


def late_answer(seconds: float, answers: list[dict]):
    """Answer as the server does, `seconds` late (the page's own clock runs on); keeps each answer in `answers`."""
    def handle(route):
        response = route.fetch()
        answers.append(response.json())
        time.sleep(seconds)
        try:
            route.fulfill(response=response)
        except Exception:  # noqa: BLE001 - the page gave up on this request already
            pass
    return handle


def decision_of(answers: list[dict], block: str) -> str:
    (decision,) = [d["decision_id"] for answer in answers for d in answer["decisions"] if d["block"] == block]
    return decision


def test_a_late_answer_personalizes_only_blocks_not_seen_yet(site, attune, visit):
    url = site.add("/late.html", html_page(PAGE, script=snippet(attune.url, "pk_e2e"), head=STYLE))
    answers: list[dict] = []
    visit.page.route("**/v1/decide", late_answer(1.5, answers))
    visit.open(url)  # ready once the late answer was shown

    hero, deals = visit.block("hero"), visit.block("deals")
    expect(hero).to_have_attribute("data-attune-state", "timeout")  # in view at 1 s: the page's content stays
    expect(hero.locator("h1")).to_have_text("From the page: welcome")
    assert visit.decision("hero") is None
    expect(deals).to_have_attribute("data-attune-state", "personalized")  # below the fold: the late answer is used
    expect(deals.locator("h2")).to_contain_text("Variant")
    deals_decision = decision_of(answers, "deals")
    assert visit.decision("deals") == deals_decision

    visit.page.wait_for_timeout(1300)  # the hero has been in view for over a second since
    visit.flush()
    assert visit.events("impression") == []  # the hero's decision was never shown; the deals not seen yet

    deals.scroll_into_view_if_needed()
    expect(deals.locator("h2")).to_contain_text("Variant")  # what the visitor now sees is the personalized block
    impressions = visit.wait_for_events("impression")
    visit.page.wait_for_timeout(300)
    visit.flush()
    assert [e["decision_id"] for e in visit.events("impression")] == [deals_decision]
    assert decision_of(answers, "hero") not in {e["decision_id"] for e in impressions}
    assert visit.errors == []


def test_a_block_glanced_at_before_the_late_answer_keeps_the_page_content(site, attune, visit):
    url = site.add("/late-glance.html", html_page(PAGE, script=snippet(attune.url, "pk_e2e"), head=STYLE))
    answers: list[dict] = []
    visit.page.add_init_script(GLANCE_AT_DEALS)
    visit.page.route("**/v1/decide", late_answer(2.5, answers))
    visit.open(url)

    for name, text in (("hero", "From the page: welcome"), ("deals", "From the page: our deals")):
        expect(visit.block(name)).to_have_attribute("data-attune-state", "timeout")
        expect(visit.block(name).locator("h1, h2")).to_have_text(text)
        assert visit.decision(name) is None
    assert len(answers) == 1 and {d["block"] for d in answers[0]["decisions"]} == {"hero", "deals"}  # it did answer

    visit.block("deals").scroll_into_view_if_needed()
    visit.page.wait_for_timeout(1300)
    visit.flush()
    assert visit.events("impression") == []  # nothing that was decided was shown
    assert visit.errors == []


def test_an_answer_after_the_deadline_leaves_every_block_as_it_was(site, attune, visit):
    url = site.add("/late-never.html", html_page(PAGE, script=snippet(attune.url, "pk_e2e"), head=STYLE))
    visit.page.route("**/v1/decide", late_answer(5.6, []))  # past the 5 s deadline: the SDK gave up
    visit.open(url)
    for name in ("hero", "deals"):
        expect(visit.block(name)).to_have_attribute("data-attune-state", "timeout")
        assert visit.decision(name) is None
    assert visit.errors == []
