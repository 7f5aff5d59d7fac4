"""Consent from the site's consent platform: an IAB TCF v2.2 CMP (__tcfapi) and Google Consent Mode v2 (gtag /
dataLayer), stubbed on the page as a CMP would run them; the widget follows each change, with a receipt."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet
from tests.e2e.visit import wait_for

HERO = """<section data-attune-block="hero">
  <h1 data-attune-field="title">From the page: welcome</h1>
</section>"""
# receipts go by beacon, whose body the test cannot read: without one the widget sends them by keepalive fetch
NO_BEACON = "<script>Navigator.prototype.sendBeacon = () => false;</script>"

TCF_CMP = """<script>
(function () {
  var listeners = [], data = { eventStatus: "cmpuishown", gdprApplies: true, purpose: { consents: {} } };
  window.__tcfapi = function (command, version, callback) {
    if (command === "addEventListener" && version === 2) { listeners.push(callback); callback(data, true); }
  };
  window.visitorChoosesInCmp = function (purposes) {
    var consents = {};
    purposes.forEach(function (p) { consents[p] = true; });
    data = { eventStatus: "useractioncomplete", gdprApplies: true, purpose: { consents: consents } };
    listeners.forEach(function (callback) { callback(data, true); });
  };
})();
</script>"""

GTAG = """<script>
window.dataLayer = window.dataLayer || [];
function gtag() { dataLayer.push(arguments); }
gtag("consent", "default", { ad_storage: "denied", analytics_storage: "denied", personalization_storage: "denied" });
</script>"""


def state(visit) -> dict:
    return visit.page.evaluate("() => attune.consent.get()")


def receipts(visit, source: str) -> list[dict]:
    return [s.body for s in visit.sent if s.path == "/v1/consent" and s.body and s.body["source"] == source]


def categories(visit) -> dict:
    now = state(visit)
    return {name: now[name] for name in ("personalization", "feedback", "measurement")}


def test_a_tcf_cmp_answer_is_followed_and_outranks_the_banner(site, attune, visit):
    url = site.add("/cmp/tcf.html", html_page(HERO, script=snippet(attune.url, "pk_tcf"), head=NO_BEACON + TCF_CMP))
    visit.open(url)
    banner = visit.page.locator("attune-privacy").get_by_role("region", name="Privacy settings")
    expect(banner).to_be_visible()  # the CMP has shown its UI, no answer yet
    assert state(visit)["decided"] is False
    banner.get_by_role("button", name="Reject all").click()  # Attune's own answer, ranked after the CMP's
    assert categories(visit) == {"personalization": False, "feedback": False, "measurement": False}

    visit.page.evaluate("() => visitorChoosesInCmp([1, 5, 6, 8])")
    assert wait_for(lambda: categories(visit) == {"personalization": True, "feedback": True, "measurement": True})
    visitor = visit.page.evaluate("() => localStorage.getItem('attune:vid')")
    assert visitor and visit.decides[-1]["personalization"] is True
    assert wait_for(lambda: receipts(visit, "tcf"))
    (granted,) = receipts(visit, "tcf")
    assert granted["visitor"] == visitor and granted["categories"]["personalization"] is True

    visit.page.evaluate("() => visitorChoosesInCmp([1, 8])")  # no profile purposes: counting only
    assert wait_for(lambda: categories(visit) == {"personalization": False, "feedback": False, "measurement": True})
    assert visit.page.evaluate("() => localStorage.getItem('attune:vid')") is None
    expect(visit.block("hero")).to_have_attribute("data-attune-state", "personalized")
    assert wait_for(lambda: len(receipts(visit, "tcf")) == 2)
    assert visit.decides[-1]["personalization"] is False and visit.decides[-1]["visitor"] is None

    visit.page.evaluate("() => visitorChoosesInCmp([])")  # everything refused: a withdrawal
    assert wait_for(lambda: len(receipts(visit, "tcf")) == 3)
    assert not [k for k in visit.storage()["local"] if k.startswith("attune:")]
    assert visit.errors == []


def test_google_consent_mode_updates_are_followed_and_a_default_is_no_answer(site, attune, visit):
    url = site.add("/cmp/gcm.html", html_page(HERO, script=snippet(attune.url, "pk_gcm"), head=NO_BEACON + GTAG))
    visit.open(url)
    visit.page.wait_for_timeout(300)  # the adapter has read the dataLayer: a default, which is the site's, not an answer
    assert state(visit)["decided"] is False and visit.page.evaluate("() => localStorage.length") == 0

    visit.page.evaluate("""() => gtag("consent", "update", { analytics_storage: "granted", personalization_storage: "granted" })""")
    assert wait_for(lambda: categories(visit) == {"personalization": True, "feedback": True, "measurement": True})
    assert visit.page.evaluate("() => localStorage.getItem('attune:vid')")
    assert wait_for(lambda: receipts(visit, "gcm"))

    visit.page.evaluate("""() => gtag("consent", "update", { personalization_storage: "denied" })""")
    assert wait_for(lambda: categories(visit) == {"personalization": False, "feedback": False, "measurement": True})
    assert visit.page.evaluate("() => localStorage.getItem('attune:vid')") is None
    assert wait_for(lambda: len(receipts(visit, "gcm")) == 2)
    assert receipts(visit, "gcm")[-1]["categories"] == {"personalization": False, "feedback": False, "measurement": True}
    assert visit.errors == []
