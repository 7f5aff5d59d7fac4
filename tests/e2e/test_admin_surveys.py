"""The survey side of the admin in real Chromium, on generated traffic (fixed seeds): the satisfaction-against-speed
page leads with the sentence that slower pages were less satisfied, the Feedback page shows a theme with its quotes,
and axe-core finds nothing serious on either."""

from __future__ import annotations

import re
import subprocess

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.test_admin import VENDOR, serious
from tests.support.admin import FIRST_PASSWORD_ENV, PASSWORD
from tests.support.server import ROOT, AttuneServer
from tests.support.survey_answers import feedback_texts, pulse_traffic
from tests.support.survey_config import surveys_config

SENTENCE = r"CSAT is \d\.\d lower \(95% CI \d\.\d–\d\.\d\) when LCP is over 2\.5 s, n = 300\."


@pytest.fixture(scope="module")
def surveyed(tmp_path_factory):
    if not (VENDOR / "htmx.min.js").exists():
        subprocess.run(["node", str(ROOT / "server" / "admin" / "vendor.mjs")], check=True, cwd=ROOT)
    root = tmp_path_factory.mktemp("e2e-surveys")
    server = AttuneServer(root / "data", config=surveys_config(root), env={
        FIRST_PASSWORD_ENV: PASSWORD, "ATTUNE_EVENTS_PER_VISITOR": "0", "ATTUNE_EVENTS_PER_ADDRESS": "0"}).start()
    with httpx.Client(base_url=server.url, timeout=15) as client:
        pulse_traffic(client, visitors=300, seed=7, slower_is_worse=True)
        feedback_texts(client, seed=3)
    yield server
    server.stop()


def test_speed_sentence_and_feedback_themes_are_shown_and_accessible(surveyed, visit):
    page = visit.page
    page.goto(surveyed.url + "/admin/login")
    page.get_by_label("Name").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Blocks of pk_test")

    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Surveys").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Surveys of pk_test")
    expect(page.get_by_role("switch", name="Survey pulse running")).to_have_attribute("aria-checked", "true")
    assert serious(visit) == []
    page.get_by_role("link", name="pulse", exact=True).click()  # the editor: its preview follows the text
    editor = page.get_by_label("The survey, as its")
    editor.fill(editor.input_value().replace("How satisfied are you?", "How happy are you today?"))
    expect(page.locator("#survey-preview")).to_contain_text("How happy are you today?")
    assert serious(visit) == []
    page.get_by_role("link", name="Results of pulse").click()
    expect(page.locator("#question-sat")).to_contain_text("from 300 answers")
    assert serious(visit) == []
    page.get_by_role("link", name="Surveys", exact=True).first.click()
    page.get_by_role("link", name="Satisfaction against page speed").click()
    expect(page.locator("#speed-sentence")).to_have_text(re.compile(SENTENCE))
    expect(page.get_by_role("table", name="CSAT by LCP (300 answers)")).to_be_visible()
    assert serious(visit) == []

    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback of pk_test")
    checkout = page.get_by_role("row").filter(has=page.get_by_role("link", name="checkout"))
    expect(checkout.first).to_be_visible()
    expect(checkout.first.locator("blockquote")).to_have_count(3)
    assert serious(visit) == []
    checkout.first.get_by_role("link").first.click()
    expect(page.get_by_role("table", name="The answers, newest first")).to_contain_text("checkout")
    assert serious(visit) == []
