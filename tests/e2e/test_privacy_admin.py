"""The admin's Privacy page as a data protection officer uses it, in real Chromium: consent rates from real
receipts, a receipt looked up by its id, the public transparency page one click away; no CSP violation, and
axe-core finds nothing serious on either page."""

from __future__ import annotations

import subprocess
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.test_admin import VENDOR, serious, sign_in
from tests.support.admin import admin_server
from tests.support.server import ROOT


@pytest.fixture(scope="module")
def attune_admin(tmp_path_factory, widget_bundle):
    """`attune serve` on the demo site, its first user `admin` with PASSWORD."""
    if not (VENDOR / "htmx.min.js").exists():  # npm run build copies them; ./dev runs it
        subprocess.run(["node", str(ROOT / "server" / "admin" / "vendor.mjs")], check=True, cwd=ROOT)
    running = admin_server(tmp_path_factory.mktemp("e2e-privacy-admin") / "data").start()
    yield running
    running.stop()


def consent(url: str, personalization: bool, *, gpc: bool = False) -> str:
    """A visitor's choice, sent as the widget sends it; the receipt id."""
    body = {"site": "pk_demo", "visitor": uuid.uuid4().hex, "source": "banner", "policy_version": "1",
            "categories": {"personalization": personalization, "feedback": True, "measurement": True}}
    response = httpx.post(url + "/v1/consent", json=body, headers={"sec-gpc": "1"} if gpc else {})
    assert response.status_code == 202, response.text
    return response.json()["receipt"]


def test_a_dpo_reads_consent_rates_looks_up_a_receipt_and_opens_the_transparency_page(attune_admin, new_visit):
    granted = consent(attune_admin.url, True)
    refused = consent(attune_admin.url, False, gpc=True)
    admin = new_visit()
    sign_in(admin, attune_admin)
    page = admin.page

    page.get_by_role("link", name="Privacy", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy")
    today = page.locator("#consent-pk_demo tbody tr").first
    expect(today.locator("td").nth(0)).to_have_text("2")  # two receipts today
    expect(today.locator("td").nth(1)).to_have_text("50%")  # one of them granted personalization
    expect(today.locator("td").nth(2)).to_have_text("100%")
    expect(page.locator("#retention-pk_demo")).to_contain_text("90 days")
    assert serious(admin) == []

    page.get_by_label("Consent or erasure receipt id").fill(refused)
    page.get_by_role("button", name="Look up").click()
    result = page.locator("#receipt-result")
    expect(result).to_contain_text("refused")
    expect(result.get_by_role("row", name="Global Privacy Control")).to_contain_text("sent by the browser")
    page.get_by_label("Consent or erasure receipt id").fill(granted[:-1] + ("0" if granted[-1] != "0" else "1"))
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("#receipt-result")).to_contain_text("no consent or erasure receipt")

    page.get_by_role("link", name="/transparency/pk_demo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How Attune demo shop chooses what you see")
    expect(page.get_by_text("You can turn personalization off at any time")).to_be_visible()
    assert serious(admin) == []
    assert admin.errors == [] and admin.console_errors() == [] and admin.csp_violations() == []
