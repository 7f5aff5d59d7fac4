"""An opt-in site with Attune's consent banner: nothing on either origin before an answer; the banner's answer
and a withdrawal in the preference center are stored as receipts, and a withdrawal clears the device."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet
from tests.e2e.visit import wait_for

HERO = """<section data-attune-block="hero">
  <h1 data-attune-field="title">From the page: welcome</h1>
</section>
<p><button type="button" data-attune-preferences>Privacy choices</button></p>"""

ALL_ON = {"personalization": True, "feedback": True, "measurement": True}
ALL_OFF = {"personalization": False, "feedback": False, "measurement": False}

DEVICE = """async () => ({
  local: Object.keys(localStorage), session: Object.keys(sessionStorage),
  indexedDB: (await indexedDB.databases()).map((db) => db.name),
})"""
NOTHING = {"local": [], "session": [], "indexedDB": []}


def consents(attune, visitor: str) -> list[dict]:
    """The consent receipts the server keeps for this visitor (what the visitor's own export shows)."""
    exported = httpx.post(f"{attune.url}/v1/visitor/export", json={"site": "pk_privacy", "visitor": visitor}, timeout=5)
    assert exported.status_code == 200, exported.text
    return exported.json()["consents"]


def banner(visit):
    return visit.page.locator("attune-privacy").get_by_role("region", name="Privacy settings")


def test_before_any_answer_nothing_is_kept_on_either_origin_and_no_request_carries_a_visitor_id(site, attune, visit):
    requests = []
    visit.page.on("request", lambda request: requests.append(request))
    url = site.add("/privacy/optin.html", html_page(HERO, script=snippet(attune.url, "pk_privacy")))
    visit.open(url)
    expect(banner(visit)).to_be_visible()
    visit.page.wait_for_timeout(1300)  # the block was seen: its impression is held, not sent
    visit.flush()

    assert visit.page.evaluate(DEVICE) == NOTHING
    attune_origin = visit.page.context.new_page()  # Attune's own origin, in the same browser profile
    attune_origin.goto(f"{attune.url}/healthz")
    assert attune_origin.evaluate(DEVICE) == NOTHING
    assert visit.page.context.cookies() == []

    assert [d["visitor"] for d in visit.decides] == [None]
    carrying = [r.url for r in requests if "visitor" in (r.post_data or "") and '"visitor":null' not in r.post_data]
    assert carrying == [] and [s.path for s in visit.sent if s.path == "/v1/events"] == []
    assert visit.errors == []


def test_accept_and_reject_are_equally_prominent_and_accepting_stores_a_receipt(site, attune, visit):
    url = site.add("/privacy/accept.html", html_page(HERO, script=snippet(attune.url, "pk_privacy")))
    visit.open(url)
    shown = banner(visit)
    accept, reject = shown.get_by_role("button", name="Accept all"), shown.get_by_role("button", name="Reject all")
    expect(shown.get_by_role("button", name="Settings")).to_be_visible()
    boxes = accept.bounding_box(), reject.bounding_box()
    assert abs(boxes[0]["height"] - boxes[1]["height"]) < 1 and abs(boxes[0]["y"] - boxes[1]["y"]) < 1
    looks = "(b) => { const s = getComputedStyle(b); return [s.fontSize, s.fontWeight, s.backgroundColor, s.color, s.borderWidth]; }"
    assert accept.evaluate(looks) == reject.evaluate(looks)

    accept.click()
    expect(shown).to_be_hidden()
    visitor = visit.page.evaluate("() => localStorage.getItem('attune:vid')")
    assert visitor
    assert wait_for(lambda: consents(attune, visitor), timeout=5)
    (receipt,) = consents(attune, visitor)
    assert receipt["source"] == "banner" and receipt["policy_version"] == "2025-01"
    assert receipt["categories"] == ALL_ON and receipt["gpc"] is False
    assert visit.errors == []


def test_withdrawing_in_the_preference_center_stores_a_receipt_and_clears_the_device(site, attune, visit):
    url = site.add("/privacy/withdraw.html", html_page(HERO, script=snippet(attune.url, "pk_privacy")))
    visit.open(url)
    banner(visit).get_by_role("button", name="Accept all").click()
    visit.page.wait_for_timeout(1300)
    assert visit.wait_for_events("impression")
    visitor = visit.page.evaluate("() => localStorage.getItem('attune:vid')")
    assert wait_for(lambda: consents(attune, visitor))

    visit.page.get_by_role("button", name="Privacy choices").click()
    center = visit.page.locator("attune-privacy").get_by_role("dialog", name="Privacy settings")
    expect(center).to_be_visible()
    for name in ("Personalization", "Feedback", "Measurement"):
        center.get_by_role("checkbox", name=name).uncheck()
    center.get_by_role("button", name="Save choices").click()
    expect(center.get_by_role("status")).to_have_text("Saved.")

    assert visit.page.evaluate(DEVICE) == NOTHING
    assert wait_for(lambda: len(consents(attune, visitor)) == 2, timeout=5)
    withdrawal = consents(attune, visitor)[-1]
    assert withdrawal["source"] == "preferences" and withdrawal["categories"] == ALL_OFF
    assert visit.page.evaluate("() => attune.consent.get()")["storage"] is False
    assert visit.errors == []
