"""The preference center: opened from the page, a push command or "why"; keyboard-only use; axe-core; right-to-left
and a second language; a rating undone there lets its variant come back; export downloads the visitor's data;
erasure clears the device and makes the visitor new."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet
from tests.e2e.test_accessibility import axe
from tests.e2e.visit import wait_for

HERO = """<section data-attune-block="hero">
  <h1 data-attune-field="title">From the page: welcome</h1>
</section>
<p><button type="button" data-attune-preferences>Privacy choices</button></p>"""


def page(site, attune, name: str, *, lang: str = "en", rtl: bool = False, script: str = "") -> str:
    html = html_page(HERO, script=script + snippet(attune.url, "pk_center"))
    html = html.replace('<html lang="en">', f'<html lang="{lang}"{" dir=rtl" if rtl else ""}>')
    return site.add(f"/center/{name}.html", html)


def center(visit, name: str = "Privacy settings"):
    return visit.page.locator("attune-privacy").get_by_role("dialog", name=name)


def known_visitor(visit) -> str:
    """Wait until the visitor has an id (made once the first impression goes out), then load the page again: a
    new visitor's first decision goes out without an id (the browser may send Sec-GPC), so only decisions from
    the next one on are linked to the visitor."""
    visit.page.wait_for_timeout(1300)
    assert visit.wait_for_events("impression")
    visitor = visit.page.evaluate("() => localStorage.getItem('attune:vid')")
    visit.page.reload()
    visit.ready()
    assert visit.decides[-1]["visitor"] == visitor
    return visitor


def focused(visit) -> str | None:
    return visit.page.evaluate("""() => { let el = document.activeElement;
        while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
        return el ? (el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent)
                     || el.textContent.trim()) : null; }""")


def test_the_center_works_from_the_keyboard_alone(site, attune, visit):
    visit.open(page(site, attune, "keyboard"))
    for _ in range(8):
        visit.page.keyboard.press("Tab")
        if focused(visit) == "Privacy choices":
            break
    assert focused(visit) == "Privacy choices"
    visit.page.keyboard.press("Enter")
    dialog = center(visit)
    expect(dialog).to_be_visible()
    assert focused(visit) == "Personalization"

    visit.page.keyboard.press("Space")  # a checkbox toggles from the keyboard
    expect(dialog.get_by_role("checkbox", name="Personalization")).not_to_be_checked()
    names = [focused(visit)]
    for _ in range(30):
        visit.page.keyboard.press("Tab")
        names.append(focused(visit))
        inside = visit.page.evaluate("() => document.activeElement && document.activeElement.localName")
        assert inside == "attune-privacy", f"focus left the dialog after {names}"
    assert {"Feedback", "Measurement", "Save choices", "Close"} <= set(names)
    assert names.count("Personalization") >= 2  # Tab went round, inside the dialog
    visit.page.keyboard.press("Shift+Tab")
    visit.page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(visit) == "Privacy choices"
    assert visit.errors == []


def test_a_push_command_and_the_why_dialog_open_it_and_axe_finds_nothing_serious(site, attune, visit):
    visit.open(page(site, attune, "axe"))
    visit.page.evaluate("() => attune.push(['preferences.open'])")
    dialog = center(visit)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("checkbox", name="Personalization")).to_be_checked()  # opt-out: on until turned off
    results = axe(visit)
    serious = [f"{v['id']}: {v['help']}" for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    hero = visit.block("hero")
    hero.get_by_role("button", name="Why am I seeing this?").click()
    hero.get_by_role("dialog", name="Why am I seeing this?").get_by_role("button", name="Privacy settings").click()
    expect(dialog).to_be_visible()
    visit.page.keyboard.press("Escape")
    assert focused(visit) == "Why am I seeing this?"  # back where the visitor came from
    assert visit.errors == []


def test_right_to_left_and_a_second_language_with_pushed_texts_winning(site, attune, new_visit):
    arabic = new_visit()
    arabic.open(page(site, attune, "ar", lang="ar", rtl=True))
    arabic.page.get_by_role("button", name="Privacy choices").click()
    dialog = center(arabic, "إعدادات الخصوصية")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("checkbox", name="التخصيص")).to_be_visible()
    assert dialog.evaluate("(d) => getComputedStyle(d).direction") == "rtl"
    box, save = dialog.bounding_box(), dialog.get_by_role("button", name="إغلاق").bounding_box()
    assert save["x"] < box["x"] + box["width"] / 2  # the actions sit at the inline end: the left, right to left

    german = new_visit()
    german.open(page(site, attune, "de", lang="de-AT", script='<script>window.attune = [["texts", {"close": "Zumachen"}]];</script>'))
    german.page.get_by_role("button", name="Privacy choices").click()
    dialog = center(german, "Datenschutzeinstellungen")
    expect(dialog.get_by_role("checkbox", name="Personalisierung")).to_be_visible()
    expect(dialog).to_contain_text("Aus: Sie sehen, was die meisten Besucher sehen.")
    expect(dialog.get_by_role("button", name="Zumachen")).to_be_visible()  # the site's push wins over its config
    assert dialog.evaluate("(d) => getComputedStyle(d).direction") == "ltr"
    assert arabic.errors == german.errors == []


def test_a_rating_undone_in_the_center_lets_the_variant_come_back(site, attune, visit):
    visit.open(page(site, attune, "undo"))
    hero = visit.block("hero")
    known_visitor(visit)
    assert visit.variant("hero") == "deal"
    hero.get_by_role("button", name="Not relevant").click()
    assert visit.wait_for_events("rating")

    def hidden() -> bool:
        visit.page.evaluate("() => attune.refresh()")
        return visit.variant("hero") == "classic"
    assert wait_for(hidden, timeout=5), "the server did not hide the variant rated down"

    visit.page.get_by_role("button", name="Privacy choices").click()
    dialog = center(visit)
    rating = dialog.get_by_role("listitem").filter(has_text="“deal” down")
    expect(rating).to_contain_text("it is hidden for you")
    rating.get_by_role("button", name="Undo").click()
    expect(dialog.get_by_role("status")).to_have_text("Undone: this content can be shown to you again.")
    expect(hero).to_have_attribute("data-attune-variant", "deal")  # decided again: it may show, and it does
    expect(dialog.get_by_role("button", name="Undo")).to_have_count(0)
    assert visit.errors == []


def test_download_my_data_is_this_visitors_json_with_the_interests_chosen(site, attune, visit):
    visit.open(page(site, attune, "export"))
    visitor = known_visitor(visit)
    decision = visit.decision("hero")
    visit.page.get_by_role("button", name="Privacy choices").click()
    dialog = center(visit)
    dialog.get_by_role("checkbox", name="Hiking").check()
    dialog.get_by_role("button", name="Save interests").click()
    expect(dialog.get_by_role("status")).to_have_text("Saved.")

    with visit.page.expect_download() as download:
        dialog.get_by_role("button", name="Download my data").click()
    exported = json.loads(Path(download.value.path()).read_text())
    assert download.value.suggested_filename.endswith(".json")
    assert exported["site"] == "pk_center" and exported["interests"] == ["hiking"]
    assert decision in [d["decision_id"] for d in exported["decisions"]]
    assert visit.page.evaluate("() => localStorage.getItem('attune:vid')") == visitor
    assert visit.csp_violations() == [] and visit.errors == []


def test_erasing_clears_the_device_and_the_next_decision_is_a_new_visitors(site, attune, visit):
    visit.open(page(site, attune, "erase"))
    visitor = known_visitor(visit)
    visit.page.get_by_role("button", name="Privacy choices").click()
    dialog = center(visit)
    dialog.get_by_role("button", name="Erase my data").click()
    expect(dialog).to_contain_text("Erase it?")
    dialog.get_by_role("button", name="Yes, erase my data").click()
    expect(dialog.get_by_role("status")).to_have_text("Erased. You are a new visitor now.")

    assert visit.decides[-1]["visitor"] != visitor
    assert visitor not in json.dumps(visit.storage())
    exported = httpx.post(f"{attune.url}/v1/visitor/export", json={"site": "pk_center", "visitor": visitor}, timeout=5)
    assert exported.status_code == 200 and exported.json()["decisions"] == [] and exported.json()["events"] == []
    visit.page.wait_for_timeout(1300)
    (impression,) = visit.wait_for_events("impression", visit.decision("hero"))
    assert impression["visitor"] and impression["visitor"] != visitor  # a new visitor from now on
    assert visit.errors == []
