"""Reading results as a product team does, in real Chromium: the overview of every block, a results page narrowed
to a segment, its CSV download, a refused filter that says why; the 0/15 holdout says "Not enough data yet"; axe
finds nothing serious on the new pages."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.e2e.test_admin import serious
from tests.server.test_results_filters import config_file, shop_log
from tests.support.admin import PASSWORD, admin_server


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """`attune serve` on a log written before it started: a 10-impression holdout, mobile and desktop visitors."""
    where = tmp_path_factory.mktemp("e2e-results")
    shop_log().write(where / "data")
    running = admin_server(where / "data", config=config_file(where)).start()
    yield running
    running.stop()


def signed_in_tab(new_visit, shop):
    visit = new_visit()
    visit.page.goto(shop.url + "/admin")
    visit.page.get_by_label("Name").fill("admin")
    visit.page.get_by_label("Password").fill(PASSWORD)
    visit.page.get_by_role("button", name="Sign in").click()
    expect(visit.page.get_by_role("heading", level=1)).to_contain_text("Blocks of")
    return visit


def test_a_product_manager_reads_the_overview_then_a_segment_and_downloads_it(shop, new_visit):
    visit = signed_in_tab(new_visit, shop)
    page = visit.page
    page.get_by_role("link", name="Overview", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview of pk_shop")
    hero = page.locator("#overview tbody tr").filter(has=page.get_by_role("rowheader", name="hero"))
    expect(hero.locator("td").first).to_contain_text("Not enough data yet")  # 10 holdout impressions
    expect(hero.locator("td").nth(3)).to_have_text("100 (50)")  # impressions: the last 7 days (the 7 before)
    assert serious(visit) == []

    hero.get_by_role("link", name="hero").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results of hero")
    expect(page.locator("#verdict")).to_contain_text("Not enough data yet.")
    expect(page.locator("#verdict")).not_to_contain_text("Yes:")
    page.get_by_label("Segment (field=value)").fill("device=mobile")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#filter-note")).to_contain_text("device=mobile")
    deal = page.locator("#variant-results tbody tr").filter(has=page.get_by_role("rowheader", name="deal"))
    expect(deal.locator("td").nth(1)).to_have_text("40")  # impressions of mobile visitors only
    assert serious(visit) == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table as CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert {r["name"]: r["impressions"] for r in rows if r["row"] == "variant"} == {"classic": "60", "deal": "40"}

    page.get_by_label("Segment (field=value)").fill("mobile")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("alert").filter(has_text="Filter not applied")).to_contain_text(
        "segment: 'mobile' is not field=value")
    assert visit.errors == [] and visit.csp_violations() == []
