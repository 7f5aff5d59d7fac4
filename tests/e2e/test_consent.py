"""An opt-in site: nothing on the device and no visitor id before consent; after attune.consent.grant(), both."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet

HERO = """<section data-attune-block="hero">
  <h1 data-attune-field="title">From the page: welcome</h1>
</section>"""

QUEUED_GRANT = '<script>window.attune = window.attune || []; attune.push(["consent.grant"]);</script>'

NOTHING_STORED = {"local": {}, "session": {}}


def test_an_opt_in_site_stores_nothing_and_sends_no_visitor_id_until_consent(site, attune, visit):
    url = site.add("/opt-in.html", html_page(HERO, script=snippet(attune.url, "pk_optin")))
    visit.fake_clock().open(url)
    assert visit.state("hero") == "personalized"  # decided on the page's own context
    decision = visit.decision("hero")
    visit.let_time_pass(1300)  # the block has been seen: its impression is held, not sent
    visit.flush()

    assert visit.storage() == NOTHING_STORED
    assert visit.page.context.cookies() == []
    assert [d["visitor"] for d in visit.decides] == [None] and visit.decides[0]["traits"] == {}
    assert [s for s in visit.sent if s.path == "/v1/events"] == []
    assert visit.page.evaluate("() => attune.consent.get()") == {
        "storage": False, "personalization": False, "feedback": False, "measurement": False, "decided": False,
        "mode": "opt-in"}

    visit.page.evaluate("() => attune.consent.grant()")
    visitor = visit.page.evaluate("() => localStorage.getItem('attune:vid')")
    assert visitor
    (impression,) = visit.wait_for_events("impression", decision)  # what was held goes out now, as this visitor
    assert impression["visitor"] == visitor
    assert visit.page.evaluate("() => attune.consent.get()") == {
        "storage": True, "personalization": True, "feedback": True, "measurement": True, "decided": True,
        "mode": "opt-in"}
    assert visit.page.context.cookies() == []  # storage means localStorage: never a cookie

    visit.page.reload()
    visit.ready()
    assert visit.decides[-1]["visitor"] == visitor
    assert visit.errors == []


def test_a_grant_queued_before_the_script_loads_applies_to_the_first_decision(site, attune, visit):
    url = site.add("/opt-in-queued.html", html_page(HERO, script=QUEUED_GRANT + snippet(
        attune.url, "pk_optin", data_consent="opt-in")))
    visit.open(url)
    visitor = visit.page.evaluate("() => localStorage.getItem('attune:vid')")
    assert visitor and [d["visitor"] for d in visit.decides] == [visitor]
    assert visit.page.evaluate("() => attune.consent.get().decided") is True
    assert visit.errors == []


def test_withdrawing_consent_removes_what_was_stored_and_sends_nothing_more(site, attune, visit):
    url = site.add("/opt-in-withdraw.html", html_page(HERO, script=snippet(attune.url, "pk_optin")))
    visit.fake_clock().open(url)
    visit.page.evaluate("() => attune.consent.grant()")
    visit.let_time_pass(1300)  # seen: the impression goes out with a visitor id, kept on the device
    assert visit.wait_for_events("impression") and "attune:vid" in visit.storage()["local"]

    events_before = len(visit.events())
    hero = visit.block("hero")
    profiled = visit.decision("hero")
    visit.page.evaluate("() => attune.consent.deny()")
    assert visit.storage() == NOTHING_STORED
    expect(hero).not_to_have_attribute("data-attune-decision", profiled)  # decided again: the non-profiled choice
    expect(hero).to_have_attribute("data-attune-state", "personalized")
    assert visit.decides[-1]["personalization"] is False and visit.decides[-1]["visitor"] is None
    hero.get_by_role("button", name="Relevant", exact=True).click()
    visit.let_time_pass(1300)
    visit.flush()
    assert len(visit.events()) == events_before  # no rating, no impression of the new decision: dropped
    assert visit.storage() == NOTHING_STORED
    assert visit.errors == []
