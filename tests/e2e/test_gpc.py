"""Global Privacy Control, by the Sec-GPC header alone or by navigator.globalPrivacyControl alone: the first
decision is not personalized, no visitor id is made, stored or sent, and "why" names the browser's signal."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet

HERO = """<section data-attune-block="hero">
  <h1 data-attune-field="title">From the page: welcome</h1>
</section>"""
NAVIGATOR_GPC = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });"
# receipts go by beacon, whose body the test cannot read: without one the widget sends them by keepalive fetch
NO_BEACON = "Navigator.prototype.sendBeacon = () => false;"
SIGNAL = "Global Privacy Control"


def decide_answers(visit) -> list[dict]:
    answers = []
    visit.page.on("response", lambda r: r.url.endswith("/v1/decide") and answers.append(json.loads(r.text())))
    return answers


def nothing_kept(visit) -> bool:
    kept = visit.storage()
    return not [key for store in kept.values() for key in store if key.startswith("attune:")]


def assert_why_names_the_signal(visit):
    hero = visit.block("hero")
    hero.get_by_role("button", name="Why am I seeing this?").click()
    dialog = hero.get_by_role("dialog", name="Why am I seeing this?")
    expect(dialog).to_contain_text(SIGNAL)
    expect(dialog).not_to_contain_text("You turned")
    expect(dialog.get_by_role("button", name="Turn personalization back on")).to_be_visible()
    return dialog


def test_the_header_alone_turns_personalization_off_and_no_visitor_id_is_ever_made(site, attune, new_visit):
    visit = new_visit(extra_http_headers={"Sec-GPC": "1"})
    answers = decide_answers(visit)
    url = site.add("/gpc/header.html", html_page(HERO, script=snippet(attune.url, "pk_e2e")))
    visit.open(url)
    assert visit.page.evaluate("() => navigator.globalPrivacyControl") is None  # the header is all the server sees

    (first,) = answers
    (hero,) = first["decisions"]
    assert hero["explain"]["reason"] == "personalization_off" and hero["explain"]["signal"] == "gpc"
    assert [d["visitor"] for d in visit.decides] == [None]
    visit.page.wait_for_timeout(1300)  # seen: the impression is measured, anonymously
    (impression,) = visit.wait_for_events("impression")
    assert impression["visitor"] is None and nothing_kept(visit)

    assert_why_names_the_signal(visit)
    visit.page.reload()
    visit.ready()
    assert visit.decides[-1]["visitor"] is None and nothing_kept(visit)
    assert visit.errors == []


def test_the_navigator_flag_alone_sends_the_first_decide_unpersonalized_and_records_it(site, attune, new_visit):
    visit = new_visit()
    visit.page.add_init_script(NAVIGATOR_GPC + NO_BEACON)
    url = site.add("/gpc/navigator.html", html_page(HERO, script=snippet(attune.url, "pk_e2e")))
    visit.open(url)
    (first,) = visit.decides
    assert first["personalization"] is False and first["visitor"] is None and first["traits"] == {}
    assert nothing_kept(visit)
    (receipt,) = [s.body for s in visit.sent if s.path == "/v1/consent"]
    assert receipt["source"] == "gpc" and receipt["visitor"] is None
    assert receipt["categories"]["personalization"] is False

    dialog = assert_why_names_the_signal(visit)
    # the visitor's own, explicit choice wins over the browser's default
    dialog.get_by_role("button", name="Turn personalization back on").click()
    expect(dialog.get_by_role("button", name="Turn off personalization")).to_be_visible()
    assert visit.decides[-1]["personalization"] is True and visit.decides[-1]["consented"] is True
    assert visit.page.evaluate("() => localStorage.getItem('attune:consent')")
    assert visit.errors == []
