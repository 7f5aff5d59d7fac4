"""What a visitor sees of the widget's bar: a pressed thumb looks pressed, the bar covers no block content at
320, 390 or 1280 px (measured as the area it shares with the block's text), and rating the usual content down
says so instead of silently "reverting" to the same thing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

# The bar's box against every line of text in the block (Range client rects: the glyphs, not the elements'
# full-width boxes): the overlapping area in px².
OVERLAP = """(name) => {
  const block = document.querySelector(`[data-attune-block="${name}"]`);
  const bar = block.querySelector("attune-ui").shadowRoot.querySelector(".bar").getBoundingClientRect();
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  let area = 0, lines = 0;
  for (let node; (node = walker.nextNode());) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      lines++;
      const w = Math.min(r.right, bar.right) - Math.max(r.left, bar.left);
      const h = Math.min(r.bottom, bar.bottom) - Math.max(r.top, bar.top);
      if (w > 0 && h > 0) area += w * h;
    }
  }
  return { area, lines, bar: bar.height };
}"""


def pressed_look(button) -> dict:
    return button.evaluate("(b) => { const s = getComputedStyle(b); "
                           "return { background: s.backgroundColor, outline: s.outlineStyle + ' ' + s.outlineWidth }; }")


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_the_bar_covers_no_text_of_the_demo_hero_at_any_width(widget_bundle, demo_server, new_visit, width):
    for _ in range(3):  # three visitors: other variants (and the holdout's page content) get measured too
        visit = new_visit()
        visit.page.set_viewport_size({"width": width, "height": 800})
        visit.open(demo_server.url + "/demo/")
        for name in ("hero", "recs", "banner"):
            if visit.block(name).locator("attune-ui").count():
                found = visit.page.evaluate(OVERLAP, name)
                assert found["lines"] >= 1 and found["bar"] > 10
                assert found["area"] == 0, (width, name, visit.variant(name), found)


def test_a_page_that_leaves_no_room_gets_room_for_the_bar(site, attune, new_visit):
    from tests.e2e.site import html_page, snippet

    # below the fold: a variant of another height may change it without moving what the visitor sees
    hero = ('<div id="spacer"></div><section data-attune-block="hero"><h1 data-attune-field="title">From the page: a welcome that '
            'runs long enough to fill the line</h1><p data-attune-field="body">The page\'s own introduction, '
            'long enough to reach the far edge of a phone screen.</p></section>')
    url = site.add("/tight.html", html_page(hero, script=snippet(attune.url, "pk_e2e"),
                                            head="<style>#spacer{height:900px}</style>"))
    visit = new_visit()
    visit.page.set_viewport_size({"width": 320, "height": 700})
    visit.open(url)
    expect(visit.block("hero")).to_have_attribute("data-attune-state", "personalized")
    visit.block("hero").scroll_into_view_if_needed()
    assert visit.page.evaluate(OVERLAP, "hero")["area"] == 0


def test_a_pressed_thumb_looks_pressed_not_by_colour_alone(site, attune, visit):
    from tests.e2e.site import html_page, snippet

    hero = '<section data-attune-block="hero"><h1 data-attune-field="title">From the page</h1></section>'
    visit.open(site.add("/thumbs.html", html_page(hero, script=snippet(attune.url, "pk_e2e"))))
    up = visit.block("hero").get_by_role("button", name="Relevant", exact=True)
    before = pressed_look(up)
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    after = pressed_look(up)
    assert after["background"] != before["background"] and after["background"] != "rgba(0, 0, 0, 0)"
    assert after["outline"] == "solid 2px" and before["outline"].startswith("none")  # a ring: a shape, not a hue
    other = visit.block("hero").get_by_role("button", name="Not relevant")
    assert pressed_look(other)["outline"].startswith("none")


def test_rating_down_says_this_is_the_usual_content_and_hides_the_rating(site, attune, visit):
    from tests.e2e.site import html_page, snippet

    hero = '<section data-attune-block="hero"><h1 data-attune-field="title">From the page: welcome</h1></section>'
    visit.open(site.add("/usual.html", html_page(hero, script=snippet(attune.url, "pk_e2e"))))
    block = visit.block("hero")
    status = block.get_by_role("status")
    expect(status).to_have_count(1)  # the live region is there before it speaks, so it is announced
    expect(status).to_have_text("")
    block.get_by_role("button", name="Not relevant").click()
    expect(block).to_have_attribute("data-attune-state", "fallback")
    expect(block.locator("h1")).to_have_text("From the page: welcome")
    expect(status).to_have_text("This is the usual content.")
    expect(block.get_by_role("group", name="Rate this content")).to_have_count(0)
    expect(block.get_by_role("button", name="Why am I seeing this?")).to_be_focused()  # the keyboard keeps a place
    assert visit.errors == []
