"""Consent receipts and a site's privacy settings, and what every visitor-rights endpoint refuses: foreign
origins, bad bodies, floods."""

from __future__ import annotations

import json

import pytest

from tests.support.inprocess import attune
from tests.support.privacy import PRIVACY_CONFIG, SITE, hashed, new_id, post

ALL_ON = {"personalization": True, "feedback": True, "measurement": True}
ALL_OFF = {"personalization": False, "feedback": False, "measurement": False}
VISITOR_CALLS = [
    ("/v1/consent", {"categories": ALL_ON, "source": "banner", "policy_version": "1"}),
    ("/v1/visitor/profile", {}),
    ("/v1/visitor/interests", {"interests": ["tea"]}),
    ("/v1/visitor/ratings/undo", {"decision_id": "0" * 32}),
    ("/v1/visitor/export", {}),
    ("/v1/visitor/erase", {}),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with attune(tmp_path_factory.mktemp("consent") / "data", config=PRIVACY_CONFIG, privacy_per_minute=0) as running:
        yield running


@pytest.fixture
def client(app):
    return app.client


def receipts(app, receipt: str) -> list[tuple]:
    app.settle()
    with app.runtime.event_log.cursor() as cursor:
        return cursor.execute(
            """SELECT site, visitor, personalization, feedback, measurement, source, policy_version, gpc
               FROM consent_receipts WHERE receipt = ?""", [receipt]).fetchall()


def test_a_consent_is_stored_with_the_visitor_hash_and_the_browser_gpc_signal(app, client):
    visitor = new_id()
    body = {"site": SITE, "visitor": visitor, "categories": {**ALL_ON, "measurement": False},
            "source": "banner", "policy_version": "2026-12"}
    answer = post(client, "/v1/consent", body, status=202, headers={"Sec-GPC": "1"})
    assert len(answer["receipt"]) == 32 and int(answer["receipt"], 16) >= 0
    assert receipts(app, answer["receipt"]) == [
        (SITE, hashed(app.runtime, visitor), True, True, False, "banner", "2026-12", True)]
    assert visitor not in str(receipts(app, answer["receipt"]))  # the id itself is never stored


def test_a_withdrawal_is_one_more_receipt_and_the_profile_lists_both_in_order(app, client):
    visitor = new_id()
    given = post(client, "/v1/consent", {"site": SITE, "visitor": visitor, "categories": ALL_ON,
                                         "source": "preferences", "policy_version": "1"}, status=202)["receipt"]
    withdrawn = post(client, "/v1/consent", {"site": SITE, "visitor": visitor, "categories": ALL_OFF,
                                             "source": "preferences", "policy_version": "1"}, status=202)["receipt"]
    assert receipts(app, withdrawn)[0][2:5] == (False, False, False)
    assert receipts(app, withdrawn)[0][7] is False  # no Sec-GPC header sent
    consents = post(client, "/v1/visitor/profile", {"site": SITE, "visitor": visitor})["consents"]
    assert [(c["receipt"], c["categories"]) for c in consents] == [(given, ALL_ON), (withdrawn, ALL_OFF)]


def test_a_choice_made_before_any_visitor_id_is_kept_without_one(app, client):
    body = {"site": SITE, "visitor": None, "categories": ALL_OFF, "source": "banner", "policy_version": "1"}
    receipt = post(client, "/v1/consent", body, status=202)["receipt"]
    assert receipts(app, receipt)[0][:2] == (SITE, None)


def test_text_plain_bodies_are_read_as_json_like_the_sdk_sends_them(client):
    body = json.dumps({"site": SITE, "visitor": new_id()})
    response = client.post("/v1/visitor/profile", content=body, headers={"content-type": "text/plain;charset=UTF-8"})
    assert response.status_code == 200, response.text


def test_site_settings_carry_the_config_with_english_defaults_for_what_it_leaves_out(client):
    settings = client.get(f"/v1/sites/{SITE}/privacy").json()
    assert (settings["consent"], settings["banner"], settings["policy_version"]) == ("opt-in", True, "2026-12")
    assert settings["sources"] == ["tcf", "attune"]
    assert settings["categories"]["personalization"]["label"] == "Made for you"
    assert settings["categories"]["feedback"]["label"] == "Feedback"  # not renamed: the English default
    assert settings["categories"]["measurement"]["description"]
    assert settings["interests"] == [{"id": "running", "label": "Running"}, {"id": "tea", "label": "Tea"}]
    assert settings["texts"] == {"fr": {"banner_title": "Vos choix"}}
    assert settings["transparency_url"] == f"/transparency/{SITE}"


def test_an_unknown_site_is_a_404_naming_it(client):
    assert client.get("/v1/sites/pk_nope/privacy").status_code == 404
    response = client.post("/v1/visitor/profile", json={"site": "pk_nope", "visitor": new_id()})
    assert response.status_code == 404 and "pk_nope" in response.json()["detail"]


@pytest.mark.parametrize(("path", "extra"), VISITOR_CALLS, ids=[p for p, _ in VISITOR_CALLS])
def test_a_page_on_a_foreign_origin_is_refused(client, path, extra):
    response = client.post(path, json={"site": SITE, "visitor": new_id(), **extra},
                           headers={"origin": "https://evil.example"})
    assert response.status_code == 403 and "evil.example" in response.json()["detail"]
    allowed = client.post(path, json={"site": SITE, "visitor": new_id(), **extra},
                          headers={"origin": "https://shop.example"})
    assert allowed.status_code in (200, 202)
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert client.get(f"/v1/sites/{SITE}/privacy", headers={"origin": "https://evil.example"}).status_code == 403


@pytest.mark.parametrize(("path", "body", "named"), [
    ("/v1/consent", {"site": SITE, "categories": {"personalization": True}, "source": "banner", "policy_version": "1"},
     "categories"),
    ("/v1/consent", {"site": SITE, "categories": ALL_ON, "source": "shouting", "policy_version": "1"}, "source"),
    ("/v1/consent", {"site": SITE, "categories": ALL_ON, "source": "api", "policy_version": ""}, "policy_version"),
    ("/v1/visitor/profile", {"site": SITE}, "visitor"),
    ("/v1/visitor/export", {"site": SITE, "visitor": "short"}, "visitor"),
    ("/v1/visitor/erase", {"site": SITE, "visitor": "../../etc/passwd"}, "visitor"),
    ("/v1/visitor/interests", {"site": SITE, "visitor": "a" * 32, "interests": "tea"}, "interests"),
    ("/v1/visitor/interests", {"site": SITE, "visitor": "a" * 32, "interests": ["tea"] * 33}, "interests"),
    ("/v1/visitor/ratings/undo", {"site": SITE, "visitor": "a" * 32}, "decision_id"),
])
def test_a_bad_body_is_a_400_naming_the_field(client, path, body, named):
    response = client.post(path, json=body)
    assert response.status_code == 400, response.text
    assert named in response.json()["detail"]


def test_too_many_calls_from_one_address_wait_with_retry_after(tmp_path):
    with attune(tmp_path / "data", config=PRIVACY_CONFIG, privacy_per_minute=5) as limited:
        codes = [limited.client.post("/v1/visitor/profile", json={"site": SITE, "visitor": new_id()})
                 for _ in range(6)]
        assert [r.status_code for r in codes] == [200] * 5 + [429]
        assert 1 <= int(codes[-1].headers["retry-after"]) <= 12  # one call's token comes back in 60/5 s
        assert limited.client.post("/v1/visitor/erase", json={"site": SITE, "visitor": new_id()}).status_code == 429
        assert limited.client.get(f"/v1/sites/{SITE}/privacy").status_code == 200  # public settings: not limited
