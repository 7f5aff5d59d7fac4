"""The admin as a product team member uses it, in real Chromium: sign in, find a block, switch it off, edit it,
read its results with charts drawn from real logged events, see why a change was refused; axe-core finds nothing
serious on any admin page."""

from __future__ import annotations

import re
import subprocess
import tomllib
from contextlib import closing

import pytest
import tomli_w
from playwright.sync_api import expect

from tests.e2e.test_accessibility import AXE
from tests.server.test_admin_security import XSS
from tests.support.admin import PASSWORD, admin_server, signed_in
from tests.support.server import ROOT

VENDOR = ROOT / "server" / "admin" / "static" / "vendor"
SERIOUS = ("serious", "critical")
SETTLED = re.compile("personalized|fallback")  # the widget has shown its decision


@pytest.fixture(scope="module")
def attune_admin(tmp_path_factory, widget_bundle):
    """`attune serve` on the demo site (as a newcomer runs it), its first user `admin` with PASSWORD."""
    if not (VENDOR / "htmx.min.js").exists():  # npm run build copies them; ./dev runs it
        subprocess.run(["node", str(ROOT / "server" / "admin" / "vendor.mjs")], check=True, cwd=ROOT)
    running = admin_server(tmp_path_factory.mktemp("e2e-admin") / "data").start()
    yield running
    running.stop()


def sign_in(visit, attune_admin):
    visit.page.goto(attune_admin.url + "/admin")
    expect(visit.page).to_have_url(f"{attune_admin.url}/admin/login?next=/admin")
    visit.page.get_by_label("Name").fill("admin")
    visit.page.get_by_label("Password").fill(PASSWORD)
    visit.page.get_by_role("button", name="Sign in").click()
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("Blocks of Attune demo shop")


def serious(visit) -> list[str]:
    if not visit.page.evaluate("() => !!window.axe"):  # evaluated, as the admin's CSP refuses an added <script>
        visit.page.evaluate(AXE.read_text() + "\n;true")
    results = visit.page.evaluate("() => axe.run(document)")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v["impact"] in SERIOUS]


def demo_visitor(new_visit, url: str, state: str):
    """A new visitor on the demo page whose hero ends in `state`; outside the 5% holdout when it matters."""
    for _ in range(6):  # P(six newcomers all in the holdout) = 0.05**6
        visit = new_visit()
        visit.open(url + "/demo/")
        expect(visit.block("hero")).to_have_attribute("data-attune-state", SETTLED)
        if visit.state("hero") == state:
            return visit
    raise AssertionError(f"six newcomers in a row did not see the hero {state}")


def test_a_product_team_member_switches_a_block_off_edits_it_and_reads_its_results(attune_admin, new_visit):
    admin = new_visit()
    sign_in(admin, attune_admin)
    page = admin.page

    switch = page.get_by_role("switch", name="Personalize hero")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()  # htmx swaps the row's switch in place
    expect(page.get_by_role("switch", name="Personalize hero")).to_have_attribute("aria-checked", "false")
    expect(page.get_by_role("status").filter(has_text="hero is now off")).to_be_visible()
    visitor = demo_visitor(new_visit, attune_admin.url, "fallback")
    expect(visitor.block("hero").get_by_role("heading", level=1)).to_have_text("New season, new favourites")
    assert visitor.decides and visitor.errors == []

    page.get_by_role("switch", name="Personalize hero").click()
    expect(page.get_by_role("switch", name="Personalize hero")).to_have_attribute("aria-checked", "true")
    page.get_by_role("link", name="hero", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Block hero")
    deal = page.locator("form.variant").filter(has=page.get_by_role("group", name="Variant deal"))
    deal.get_by_label("title").fill("Edited in the admin")
    expect(deal.locator(".preview-title")).to_have_text("Edited in the admin")  # live preview
    deal.get_by_role("button", name="Save variant deal").click()
    expect(page.get_by_role("status").filter(has_text="live now")).to_be_visible()
    page.get_by_label("Policy", exact=True).select_option("fixed")  # everyone outside the holdout sees `deal`
    page.get_by_label("Split for the fixed policy").fill("deal = 1")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").filter(has_text="live now")).to_be_visible()

    visitor = demo_visitor(new_visit, attune_admin.url, "personalized")
    assert visitor.variant("hero") == "deal"
    expect(visitor.block("hero").get_by_role("heading", level=1)).to_have_text("Edited in the admin")
    assert visitor.wait_for_events("impression", visitor.decision("hero"))  # the widget saw it shown
    visitor.block("hero").get_by_role("button", name="Relevant", exact=True).click()  # a rating, as visitors rate
    assert visitor.wait_for_events("rating")

    page.goto(attune_admin.url + "/admin/sites/pk_demo/blocks/hero/results")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results of hero")
    deal_row = page.locator("#variant-results tbody tr").filter(has=page.get_by_role("rowheader", name="deal"))
    expect(deal_row.locator("td").nth(1)).not_to_have_text("0")  # impressions came from the real widget
    expect(page.locator(".chart .uplot canvas")).to_have_count(2)  # both charts drawn
    expect(page.get_by_text("Does personalization beat the holdout?")).to_be_visible()
    assert admin.errors == [] and admin.console_errors() == [] and admin.csp_violations() == []


def test_a_refused_switch_says_why_and_changes_nothing(attune_admin, new_visit):
    admin = new_visit()
    sign_in(admin, attune_admin)
    page = admin.page
    alert = page.locator("#admin-alert")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_be_empty()

    # another editor removes the banner block while this page is open
    with closing(signed_in(attune_admin.url)) as other:
        live = other.get("/admin/api/config").json()["toml"]
        raw = tomllib.loads(live)
        raw["sites"][0]["blocks"] = [b for b in raw["sites"][0]["blocks"] if b["id"] != "banner"]
        assert other.put("/admin/api/config", json={"toml": tomli_w.dumps(raw)}).status_code == 200
        try:
            page.get_by_role("switch", name="Personalize banner").click()
            expect(alert).to_have_text("Not saved (switch banner off): unknown block 'banner' for site 'pk_demo'")
            expect(page.get_by_role("switch", name="Personalize banner")).to_have_attribute("aria-checked", "true")
        finally:
            assert other.put("/admin/api/config", json={"toml": live}).status_code == 200

    # a page left open across a change of the server's key: its CSRF token no longer verifies
    page.evaluate("""() => {
        document.body.setAttribute("hx-headers", JSON.stringify({"x-csrftoken": "stale"}));
        document.querySelectorAll("input[name=_csrf_token]").forEach((input) => { input.value = "stale"; });
    }""")
    page.get_by_role("switch", name="Personalize recs").click()
    expect(alert).to_have_text("Not saved (switch recs off): this page's security token is out of date: "
                               "reload the page and try again.")
    expect(page.get_by_role("switch", name="Personalize recs")).to_have_attribute("aria-checked", "true")
    with closing(signed_in(attune_admin.url)) as other:
        assert other.get("/admin/api/sites/pk_demo/blocks/recs").json()["enabled"] is True
    assert admin.errors == [] and admin.csp_violations() == []


def test_xss_payloads_are_inert_in_the_admin_preview_and_on_the_demo_page(attune_admin, new_visit):
    admin = new_visit()
    dialogs: list[str] = []
    admin.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(admin, attune_admin)
    page = admin.page
    page.goto(attune_admin.url + "/admin/sites/pk_demo/blocks/recs")
    picked = page.locator("form.variant").filter(has=page.get_by_role("group", name="Variant picked"))
    picked.get_by_label("title").fill(XSS[0])
    picked.get_by_label("html (sanitised on save)").fill("\n".join(XSS))
    expect(picked.locator(".warning")).to_contain_text("<script> element")  # live preview says what goes
    picked.get_by_role("button", name="Save variant picked").click()
    expect(page.get_by_role("status").filter(has_text="Sanitising removed")).to_contain_text("onerror")
    page.get_by_label("Policy", exact=True).select_option("fixed")
    page.get_by_label("Split for the fixed policy").fill("picked = 1")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").filter(has_text="live now")).to_be_visible()
    page.reload()
    assert page.evaluate("() => window.__xss") is None

    for _ in range(6):  # a visitor outside the holdout sees the payload variant
        visitor = new_visit()
        visitor.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        visitor.open(attune_admin.url + "/demo/")
        if visitor.variant("recs") == "picked":
            break
    assert visitor.variant("recs") == "picked"
    expect(visitor.block("recs").get_by_role("heading", level=2)).to_have_text(XSS[0])  # text, not markup
    visitor.page.wait_for_timeout(300)  # let any onload/onerror/ontoggle fire
    assert visitor.page.evaluate("() => window.__xss") is None
    assert dialogs == [] and admin.csp_violations() == []


def test_axe_finds_no_serious_violations_on_the_admin_pages(attune_admin, new_visit):
    visit = new_visit()
    visit.page.goto(attune_admin.url + "/admin/login")
    assert serious(visit) == []
    sign_in(visit, attune_admin)
    for path in ["/admin/sites/pk_demo/blocks", "/admin/sites/pk_demo/blocks/hero", "/admin/sites/pk_demo",
                 "/admin/sites/pk_demo/blocks/hero/results", "/admin/sites/pk_demo/decisions", "/admin/audit",
                 "/admin/config", "/admin/users"]:
        visit.page.goto(attune_admin.url + path)
        assert serious(visit) == [], path
    assert visit.errors == [] and visit.csp_violations() == []


def test_an_editor_adds_a_colleague_who_signs_in_with_the_password_shown_once(attune_admin, new_visit):
    lead = new_visit()
    sign_in(lead, attune_admin)
    lead.page.get_by_role("link", name="Users").click()
    lead.page.get_by_label("Name (letters").fill("priya")
    lead.page.get_by_label("Role").select_option("viewer")
    lead.page.get_by_role("button", name="Add the user").click()
    expect(lead.page.locator("#created")).to_contain_text("priya (viewer) can sign in now")
    password = lead.page.locator("#new-password").inner_text().strip()
    assert len(password) >= 16 and password not in lead.page.url
    assert serious(lead) == []
    lead.page.reload()  # shown once: a reload (a GET) does not show it again
    expect(lead.page.locator("#created")).to_have_count(0)
    assert password not in lead.page.content()

    colleague = new_visit()
    colleague.page.goto(attune_admin.url + "/admin/login")
    colleague.page.get_by_label("Name").fill("priya")
    colleague.page.get_by_label("Password").fill(password)
    colleague.page.get_by_role("button", name="Sign in").click()
    expect(colleague.page.locator(".who")).to_contain_text("priya (viewer)")

    lead.page.get_by_role("button", name="Remove priya").click()
    expect(lead.page.get_by_role("status").first).to_have_text("User removed; their sessions ended.")
    colleague.page.reload()
    expect(colleague.page).to_have_url(re.compile(r"/admin/login\?next="))  # the open session ended with the user
    assert lead.errors == [] and lead.csp_violations() == []
