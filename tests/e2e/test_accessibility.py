"""The widget's UI is usable by everyone: no axe-core violations, and the popover works from the keyboard."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet
from tests.support.server import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

BLOCKS = """<h1>Attune test shop</h1>
<section data-attune-block="hero">
  <h2 data-attune-field="title">From the page: welcome</h2>
  <a data-attune-field="cta" href="#page-cta">The page's own link</a>
</section>
<section data-attune-block="recs"><h2>Picks</h2>
  <div data-attune-field="html"><ul><li>Page pick</li></ul></div>
</section>"""


def axe(visit) -> dict:
    if not visit.page.evaluate("() => !!window.axe"):
        visit.page.add_script_tag(path=str(AXE))
    return visit.page.evaluate("() => axe.run(document)")


def widget_nodes(results: dict, rule: str) -> list[str]:
    """Nodes inside the widget's shadow roots that axe checked for `rule`; a shadow target is [host, inner]."""
    return [path[-1] for kind in ("passes", "violations") for found in results[kind] if found["id"] == rule
            for node in found["nodes"] for path in node["target"] if isinstance(path, list) and "attune-ui" in path[0]]


def violations(results: dict) -> list[str]:
    return [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}" for v in results["violations"]]


def focused(visit) -> str:
    """The accessible name of the focused element, looking through open shadow roots."""
    return visit.page.evaluate("""() => { let el = document.activeElement;
        while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
        return el ? (el.getAttribute('aria-label') || el.textContent.trim()) : null; }""")


def test_axe_finds_no_violations_in_the_rating_controls_or_the_open_popover(site, attune, visit):
    url = site.add("/a11y.html", html_page(BLOCKS, script=snippet(attune.url, "pk_e2e")))
    visit.open(url)
    hero = visit.block("hero")
    expect(hero.get_by_role("group", name="Rate this content")).to_be_visible()
    expect(visit.block("recs").get_by_role("group", name="Rate this content")).to_be_visible()

    closed = axe(visit)
    assert violations(closed) == []
    assert len(widget_nodes(closed, "button-name")) >= 2 + 5 + 2  # thumbs, stars, two "why" buttons: all checked

    hero.get_by_role("button", name="Why am I seeing this?").click()
    dialog = hero.get_by_role("dialog", name="Why am I seeing this?")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(dialog.get_by_role("button", name="Turn off personalization")).to_be_visible()
    opened = axe(visit)
    assert violations(opened) == []
    assert widget_nodes(opened, "aria-dialog-name"), "axe did not look at the dialog"
    assert any("Turn off personalization" in target for target in widget_nodes(opened, "button-name"))
    assert visit.errors == []


def test_the_popover_opens_with_enter_traps_focus_and_escape_returns_focus(site, attune, visit):
    url = site.add("/keyboard.html", html_page(BLOCKS, script=snippet(attune.url, "pk_e2e")))
    visit.open(url)
    names = []
    for _ in range(12):  # tab through the page as a keyboard user does, to the first "why" button
        visit.page.keyboard.press("Tab")
        names.append(focused(visit))
        if names[-1] == "Why am I seeing this?":
            break
    assert names[-3:] == ["Relevant", "Not relevant", "Why am I seeing this?"], names

    visit.page.keyboard.press("Enter")
    dialog = visit.block("hero").get_by_role("dialog", name="Why am I seeing this?")
    expect(dialog).to_be_visible()
    assert focused(visit) == "Turn off personalization"
    visit.page.keyboard.press("Tab")
    assert focused(visit) == "Privacy settings"
    visit.page.keyboard.press("Tab")
    assert focused(visit) == "Close"
    visit.page.keyboard.press("Tab")
    assert focused(visit) == "Turn off personalization"  # focus stays in the dialog
    visit.page.keyboard.press("Shift+Tab")
    assert focused(visit) == "Close"

    visit.page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(visit) == "Why am I seeing this?"
    assert visit.block("hero").locator("attune-ui").evaluate(
        "(host) => host.shadowRoot.activeElement && host.shadowRoot.activeElement.classList.contains('why')")
    visit.page.keyboard.press("Enter")  # and it opens again
    expect(dialog).to_be_visible()
    assert visit.errors == []


def test_turning_personalization_off_in_the_popover_redecides_and_is_remembered(site, attune, visit):
    url = site.add("/switch.html", html_page(BLOCKS, script=snippet(attune.url, "pk_e2e")))
    visit.open(url)
    hero = visit.block("hero")
    first = visit.decision("hero")
    assert visit.decides[-1]["personalization"] is True

    hero.get_by_role("button", name="Why am I seeing this?").click()
    dialog = hero.get_by_role("dialog", name="Why am I seeing this?")
    dialog.get_by_role("button", name="Turn off personalization").click()
    expect(hero).not_to_have_attribute("data-attune-decision", first)  # decided again, without a profile
    assert visit.decides[-1]["personalization"] is False and sorted(visit.decides[-1]["blocks"]) == ["hero", "recs"]
    # the open popover now tells the new decision's story, and offers the way back
    expect(dialog).to_contain_text("You turned personalization off")
    expect(dialog.get_by_role("button", name="Turn personalization back on")).to_be_visible()

    visit.page.reload()  # the visitor's choice holds on the next page
    visit.ready()
    assert visit.decides[-1]["personalization"] is False
    assert visit.page.evaluate("() => attune.consent.get().personalization") is False
    assert visit.errors == []
