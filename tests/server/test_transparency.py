"""The public transparency page states each site's recommender parameters from the live config (DSA Art. 27)."""

from __future__ import annotations

import msgspec
import pytest

from tests.support.inprocess import attune

CONFIG = """
[[sites]]
key = "pk_shop"
name = "Garden shop"
consent = "opt-in"
holdout_share = 0.1

[sites.privacy]
accepted_traits = ["member"]
interests = [{ id = "roses", label = "Roses <and> tulips" }]
retention = { behaviour_days = 30, feedback_days = 365 }

[[sites.blocks]]
id = "hero"
policy = "contextual"
exploration = 0.05
fallback = "classic"
variants = [{ id = "classic" }, { id = "deal" }]
rules = [{ name = "Kiosks see classic", when = { device = "kiosk" }, force = "classic" }]

[[sites.blocks]]
id = "banner"
policy = "fixed"
split = { a = 3, b = 1 }
fallback = "a"
feedback = "none"
variants = [{ id = "a" }, { id = "b" }]

[[sites]]
key = "pk_plain"
consent = "none"
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    directory = tmp_path_factory.mktemp("transparency")
    config = directory / "attune.toml"
    config.write_text(CONFIG)
    with attune(directory / "data", config=config) as running:
        yield running


def test_the_json_states_the_main_parameters_of_each_block(app):
    response = app.client.get("/transparency/pk_shop.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    t = response.json()
    assert (t["name"], t["consent"], t["holdout_share"], t["personalization_can_be_turned_off"]) == (
        "Garden shop", "opt-in", 0.1, True)
    assert "only after the visitor agrees" in t["consent_in_words"]
    assert t["retention"] == {"behaviour_days": 30, "feedback_days": 365, "consent_days": 1825}
    assert t["accepted_traits"] == ["member"] and t["interests"] == [{"id": "roses", "label": "Roses <and> tulips"}]
    hero, banner = t["blocks"]
    assert hero["exploration_share"] == 0.05 and "each situation" in hero["how"]
    assert any("only these: member" in s for s in hero["signals"])
    assert any("interests the visitor chose" in s for s in hero["signals"])
    assert hero["rules"] == ["“Kiosks see classic”: when device is kiosk"] and "rates down" in hero["ratings"]
    assert banner["signals"] == [] and "a 3, b 1" in banner["how"] and banner["exploration_share"] is None
    assert banner["ratings"] is None


def test_the_page_says_it_in_words_with_nothing_to_run(app):
    response = app.client.get("/transparency/pk_shop")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    page = response.text
    assert "<h1>How Garden shop chooses what you see</h1>" in page
    assert "turn personalization off" in page and "10% of visitors always see the standard version" in page
    assert "Roses &lt;and&gt; tulips" in page and "<and>" not in page  # escaped, as any label a site writes
    assert "30 days" in page and "365 days" in page and "1825 days" in page
    assert "<script" not in page and "style" not in page


def test_the_page_follows_a_config_change_at_once(app):
    site = app.runtime.sites.site("pk_plain")
    before = app.client.get("/transparency/pk_plain.json").json()
    assert before["blocks"] == [] and before["consent"] == "none" and before["accepted_traits"] is None
    assert "no personalized parts" in app.client.get("/transparency/pk_plain").text
    config = app.runtime.sites.config
    changed = msgspec.structs.replace(site, holdout_share=0.25)
    app.runtime.sites.apply(msgspec.structs.replace(config, sites=[
        changed if s.key == "pk_plain" else s for s in config.sites]))
    try:
        assert app.client.get("/transparency/pk_plain.json").json()["holdout_share"] == 0.25
    finally:
        app.runtime.sites.apply(config)


@pytest.mark.parametrize("path", ["/transparency/pk_nope", "/transparency/pk_nope.json"])
def test_an_unknown_site_is_a_404_naming_it(app, path):
    response = app.client.get(path)
    assert response.status_code == 404 and "pk_nope" in response.json()["detail"]
