"""In-moment surveys as a visitor meets them (issue 13): a trigger fires, the card is answered with the keyboard
only and the answer reaches the server's log; one survey a page; a dismissed survey stays dismissed; tracked
events and thumbs-downs trigger theirs; nothing before consent on an opt-in site; RTL and translated texts;
a strict CSP; axe on the open card."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.e2e.site import html_page, snippet
from tests.e2e.test_accessibility import axe
from tests.e2e.test_csp import strict_csp
from tests.e2e.visit import wait_for
from tests.support.admin import PASSWORD

HERO = """<h1>Survey shop</h1>
<section data-attune-block="hero"><h2 data-attune-field="title">From the page: welcome</h2></section>"""


def page(site, attune, path: str, *, key: str = "pk_surveys", lang: str = "en", dir_: str = "ltr", before: str = "") -> str:
    """A page of the survey shop in `lang` and `dir_`; `before`: the site's own script ahead of the snippet."""
    html = html_page(HERO, script=before + snippet(attune.url, key)).replace(
        '<html lang="en">', f'<html lang="{lang}" dir="{dir_}">')
    return site.add(path, html)


def card(visit):
    return visit.page.locator(".attune-survey")


def exported(visit, site_key: str = "pk_surveys") -> dict:
    """What the server keeps about this visitor (POST /v1/visitor/export, from the page: its origin is allowed)."""
    return visit.page.evaluate("""async ([api, site]) => {
        const visitor = localStorage.getItem("attune:vid");
        const reply = await fetch(api + "/v1/visitor/export", {method: "POST", body: JSON.stringify({site, visitor})});
        return reply.json(); }""", [visit.page.evaluate("() => document.querySelector('script[data-site]').src.split('/v1/')[0]"),
                                    site_key])


def test_a_trigger_fires_and_the_survey_is_answered_with_the_keyboard_only(site, attune, visit):
    visit.open(page(site, attune, "/surveys/nps.html"))
    survey = card(visit)
    expect(survey).to_be_visible()
    expect(survey.get_by_role("group", name="How likely are you to recommend us to a friend?")).to_be_visible()
    # nothing had focus: it moved to the scale's first choice (not chosen yet), named with its end's words
    expect(survey.get_by_role("radio", name="0, Not likely")).to_be_focused()
    for _ in range(3):
        visit.page.keyboard.press("ArrowRight")  # arrow keys move and choose within the group
    expect(survey.get_by_role("radio", name="3", exact=True)).to_be_checked()
    visit.page.keyboard.press("Enter")

    # 3 <= 6: the branch to the open question, with a counter
    better = survey.get_by_role("textbox", name="What could we do better?")
    expect(better).to_be_focused()
    visit.page.keyboard.type("Faster pages, please <b>")
    expect(survey.locator(".count")).to_have_text("24/2000")
    visit.page.keyboard.press("Tab")
    expect(survey.get_by_role("button", name="Dismiss")).to_be_focused()
    visit.page.keyboard.press("Tab")
    expect(survey.get_by_role("button", name="Submit")).to_be_focused()
    visit.page.keyboard.press("Enter")
    expect(survey.get_by_role("status")).to_have_text("Thank you")

    visit.wait_for_events("survey_answer")
    score, text = visit.events("survey_answer")
    assert (score["survey"], score["question"], score["value"], score["page"]) == ("nps", "score", 3, "/surveys/nps.html")
    assert text["text"] == "Faster pages, please <b>" and "value" not in text
    assert score["tech"]["js_errors"] == 0 and score["tech"]["ttfb_ms"] >= 0 and "decide_ms" in score["tech"]
    assert [e["survey"] for e in visit.events("survey_shown")] == ["nps"]

    # the server keeps the answers as written, linked to this visitor
    kept = json.dumps(exported(visit))
    assert wait_for(lambda: "Faster pages, please <b>" in json.dumps(exported(visit)), timeout=5), kept
    assert visit.errors == [] and visit.csp_violations() == []

    # and the product team reads it on the survey's results page
    admin = visit.page
    admin.goto(attune.url + "/admin/login")
    admin.get_by_label("Name").fill("admin")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    admin.goto(attune.url + "/admin/sites/pk_surveys/surveys/nps/results")
    expect(admin.locator("#response-rate")).to_contain_text("answered")
    expect(admin.get_by_role("row", name="score nps")).to_contain_text("1")  # question, type, visitors who answered
    answers = admin.request.get(attune.url + "/admin/sites/pk_surveys/surveys/nps/answers.csv").text()
    assert "Faster pages, please <b>" in answers and ",3" in answers


def test_two_eligible_surveys_show_one_and_a_dismissed_one_stays_dismissed(site, attune, visit):
    url = page(site, attune, "/surveys/two.html")
    visit.open(url)
    expect(card(visit)).to_have_count(1)
    visit.page.wait_for_timeout(500)  # both triggers fired at load: still one card
    expect(card(visit)).to_have_count(1)
    visit.page.keyboard.press("Escape")
    expect(card(visit)).to_have_count(0)
    assert len(visit.wait_for_events("survey_dismissed")) == 1
    (shown,) = [e["survey"] for e in visit.events("survey_shown")]
    assert visit.events("survey_dismissed")[0]["survey"] == shown

    visit.open(url)  # the next page of the same session: the budget has room, the dismissed survey stays away
    visit.page.wait_for_timeout(800)
    assert [e["survey"] for e in visit.events("survey_shown")].count(shown) == 1


def test_a_tracked_event_and_a_thumbs_down_trigger_their_surveys(site, attune, visit):
    visit.open(page(site, attune, "/shop/cart.html"))
    visit.page.wait_for_timeout(500)
    expect(card(visit)).to_have_count(0)  # no url, load or time trigger here
    visit.page.evaluate("() => attune.push(['track', 'checkout_completed'])")
    expect(card(visit).get_by_role("group", name="How did you find checkout?")).to_be_visible()
    assert wait_for(lambda: [e.get("name") for e in visit.wait_for_events("track")] == ["checkout_completed"])
    visit.page.keyboard.press("Space")  # focus is on the first choice
    visit.page.keyboard.press("Enter")
    assert [e.get("choices") for e in visit.wait_for_events("survey_answer")] == [["easy"]]

    visit.open(page(site, attune, "/shop/home.html"))
    expect(card(visit)).to_have_count(0)
    visit.block("hero").get_by_role("button", name="Not relevant").click()
    expect(card(visit).get_by_role("textbox", name="What were you looking for?")).to_be_visible()
    rating = visit.wait_for_events("rating")[0]
    assert rating["value"] == -1 and rating["tech"]["js_errors"] == 0  # the core's ratings carry the context too


def test_on_an_opt_in_site_nothing_is_loaded_shown_stored_or_sent_before_consent(site, attune, visit):
    fetched: list[str] = []
    visit.page.on("request", lambda request: fetched.append(request.url))
    visit.open(page(site, attune, "/optin/surveys.html", key="pk_surveys_optin"))
    expect(visit.page.get_by_role("button", name="Accept all")).to_be_visible()
    visit.page.wait_for_timeout(800)
    assert not [url for url in fetched if "attune-surveys.js" in url or "/v1/surveys/" in url]
    expect(card(visit)).to_have_count(0)
    assert visit.storage() == {"local": {}, "session": {}}
    assert not [e for e in visit.events() if e["type"].startswith("survey")]

    visit.page.get_by_role("button", name="Accept all").click()
    expect(card(visit).get_by_role("group", name="Did you find what you came for?")).to_be_visible()
    assert wait_for(lambda: [e["survey"] for e in visit.wait_for_events("survey_shown")] == ["welcome"])
    assert "attune:surveys" in visit.storage()["session"]


def test_right_to_left_and_translated_texts(site, attune, new_visit):
    arabic = new_visit()
    arabic.open(page(site, attune, "/surveys/ar.html", lang="ar", dir_="rtl"))
    survey = card(arabic)
    expect(survey.get_by_role("group", name="ما مدى احتمال أن توصي بنا لصديق؟")).to_be_visible()
    expect(survey.get_by_role("button", name="إغلاق")).to_be_visible()  # Dismiss
    expect(survey.get_by_role("button", name="التالي")).to_be_visible()  # Next
    expect(survey.get_by_text("غير مرجح")).to_be_visible()  # Not likely
    assert survey.evaluate("(card) => getComputedStyle(card).direction") == "rtl"
    box = survey.bounding_box()
    assert box["x"] < 1280 / 2, "the card sits in the inline-end corner: the left one on a right-to-left page"

    german = new_visit()
    own_words = """<script>window.attune = [["texts", {survey_dismiss: "Nicht jetzt"}]]</script>"""  # a site's words win
    german.open(page(site, attune, "/surveys/de.html", lang="de", before=own_words))
    expect(card(german).get_by_role("group", name="Wie wahrscheinlich empfehlen Sie uns weiter?")).to_be_visible()
    expect(card(german).get_by_role("button", name="Weiter")).to_be_visible()
    expect(card(german).get_by_role("button", name="Nicht jetzt")).to_be_visible()
    expect(card(german).get_by_text("Unwahrscheinlich")).to_be_visible()


def test_a_strict_csp_page_shows_the_survey_without_a_violation(site, attune, visit):
    html = html_page(HERO, script=snippet(attune.url, "pk_surveys", nonce="abc"))
    url = site.add("/surveys/csp.html", html, headers={"content-security-policy": strict_csp(attune.url)})
    visit.open(url)
    expect(card(visit)).to_be_visible()
    assert card(visit).evaluate("(card) => getComputedStyle(card).position") == "fixed"  # its sheet applied
    assert visit.csp_violations() == [] and visit.errors == []


def test_axe_finds_nothing_serious_on_the_open_survey(site, attune, visit):
    visit.open(page(site, attune, "/surveys/axe.html"))
    expect(card(visit)).to_be_visible()
    results = axe(visit)
    serious = [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}" for v in results["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []
    assert any("attune-survey" in json.dumps(node["target"]) for rule in results["passes"] for node in rule["nodes"])
