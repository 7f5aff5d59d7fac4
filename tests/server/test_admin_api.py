"""The admin's JSON API against the app `attune serve` runs, in this process: toggles and edits reach decide,
results come from the log, config exports and imports as TOML, every change is audited, and admin edits survive
a restart."""

from __future__ import annotations

import re
import shutil
import time
import tomllib
import uuid
from contextlib import closing

import pytest

from server.config.loader import parse_config
from tests.server.conftest import TEST_CONFIG
from tests.support.admin import FIRST_PASSWORD_ENV, PASSWORD, admin_app, signed_in
from tests.support.inprocess import attune


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with admin_app(tmp_path_factory.mktemp("admin-api") / "data", config=TEST_CONFIG) as running:
        yield running


@pytest.fixture(scope="module")
def editor(server):
    """Signed in once per module: each sign-in costs an Argon2 hash check (~0.3 s)."""
    client = signed_in(server)
    yield client
    client.close()


def decide(server, block: str, **context) -> dict:
    response = server.client.post("/v1/decide", json={"site": "pk_test", "blocks": [block], "context": context,
                                                      "visitor": uuid.uuid4().hex})
    assert response.status_code == 200, response.text
    return response.json()["decisions"][0]


def test_a_block_switched_off_reaches_decide_within_a_second(server, editor):
    assert decide(server, "tips")["explain"]["reason"] != "disabled"
    switched = time.monotonic()
    assert editor.patch("/admin/api/sites/pk_test/blocks/tips", json={"enabled": False}).status_code == 200
    while (answer := decide(server, "tips"))["explain"]["reason"] != "disabled":
        assert time.monotonic() - switched < 1.0, "the switch did not reach /v1/decide within a second"
    assert answer["variant"] == "t1"  # the fallback
    assert editor.patch("/admin/api/sites/pk_test/blocks/tips", json={"enabled": True}).status_code == 200
    assert decide(server, "tips")["explain"]["reason"] != "disabled"


def test_an_edited_variant_is_what_decide_serves(server, editor):
    saved = editor.put("/admin/api/sites/pk_test/blocks/banner/variants/a",
                       json={"content": {"title": "Edited banner", "html": "<p>New <b>text</b></p>"}})
    assert saved.status_code == 200 and saved.json()["stripped"] == []
    editor.patch("/admin/api/sites/pk_test/blocks/banner", json={"enabled": False})  # everyone sees `a`
    assert decide(server, "banner")["content"] == {"title": "Edited banner", "html": "<p>New <b>text</b></p>"}
    editor.patch("/admin/api/sites/pk_test/blocks/banner", json={"enabled": True})


def test_an_invalid_edit_is_refused_and_names_the_key(server, editor):
    cases = [
        ({"fallback": "nope"}, "sites[0].blocks[0].fallback: 'nope' is not one of the block's variants"),
        ({"policy": "fixed"}, "sites[0].blocks[0].split: a 'fixed' policy needs a split"),
        ({"exploration": 2}, "exploration"),
    ]
    for body, message in cases:
        response = editor.patch("/admin/api/sites/pk_test/blocks/hero", json=body)
        assert response.status_code == 400 and message in response.text, response.text
    bad_origin = editor.patch("/admin/api/sites/pk_test", json={"allowed_origins": ["shop.example"]})
    assert bad_origin.status_code == 400 and "sites[0].allowed_origins" in bad_origin.text
    rules = editor.put("/admin/api/sites/pk_test/blocks/hero/rules",
                       json=[{"name": "r", "when": {"device": "tv"}, "force": "ghost"}])
    assert rules.status_code == 400 and "rules[0]: 'ghost' is not one of the block's variants" in rules.text
    assert editor.get("/admin/api/sites/pk_test/blocks/hero").json()["fallback"] == "classic"


def test_rules_edited_in_the_admin_apply_to_the_next_decision(server, editor):
    rules = [{"name": "TV shows the story", "when": {"device": "tv"}, "force": "story"}]
    assert editor.put("/admin/api/sites/pk_test/blocks/hero/rules", json=rules).status_code == 200
    answer = decide(server, "hero", device="tv")
    assert answer["variant"] == "story" and answer["explain"]["rule"] == "TV shows the story"
    server.settle()  # decisions reach the log with the writer's next group commit
    found = editor.get("/admin/api/sites/pk_test/decisions", params={"block": "hero", "q": "tv"}).json()
    assert found[0]["decision_id"] == answer["decision_id"] and found[0]["context"] == {"device": "tv"}
    assert found[0]["reason"] == "rule" and "TV shows the story" in found[0]["summary"]
    assert found[0]["summary"] == answer["explain"]["summary"] and found[0]["summary_logged"]
    renamed = [{**rules[0], "name": "Television: the story"}]  # today's rule differs; the log keeps what was shown
    assert editor.put("/admin/api/sites/pk_test/blocks/hero/rules", json=renamed).status_code == 200
    again = editor.get("/admin/api/sites/pk_test/decisions", params={"q": answer["decision_id"]}).json()
    assert again[0]["summary"] == answer["explain"]["summary"]


def test_decisions_show_what_the_visitor_was_told_word_for_word(server, editor):
    answers = [decide(server, "hero", device="mobile") for _ in range(20)]
    server.settle()  # the writer's next group commit
    found = {d["decision_id"]: d for d in editor.get("/admin/api/sites/pk_test/decisions",
                                                      params={"block": "hero", "limit": 100}).json()}
    for answer in answers:
        shown = found[answer["decision_id"]]
        assert shown["summary"] == answer["explain"]["summary"] and shown["reason"] == answer["explain"]["reason"]


def test_results_count_what_was_logged(server, editor):
    decisions = [decide(server, "recs") for _ in range(30)]
    events = [{"id": uuid.uuid4().hex, "type": "impression", "decision_id": d["decision_id"]} for d in decisions]
    events += [{"id": uuid.uuid4().hex, "type": "click", "decision_id": d["decision_id"]} for d in decisions[:9]]
    events += [{"id": uuid.uuid4().hex, "type": "rating", "decision_id": d["decision_id"], "value": 4}
               for d in decisions[:5]]
    sent = server.client.post("/v1/events", json={"site": "pk_test", "visitor": None, "events": events})
    assert sent.status_code == 202  # acknowledged: committed, so results count it
    results = editor.get("/admin/api/sites/pk_test/blocks/recs/results").json()
    assert sum(v["impressions"] for v in results["variants"]) == 30
    assert sum(v["clicks"] for v in results["variants"]) == 9
    assert sum(v["ratings"] for v in results["variants"]) == 5
    for v in results["variants"]:
        if v["impressions"]:
            ci = v["click_rate_ci"]
            assert ci["low"] <= v["click_rate"] <= ci["high"]
    assert results["lift"]["personalized_impressions"] == 30 and results["lift"]["holdout_impressions"] == 0
    explored = sum(d["explain"]["explored"] for d in decisions)
    assert 0 < explored < 30  # untrained Thompson on two variants: ~half explore; P(all or none) < 2e-8
    assert results["explored_share"] == pytest.approx(explored / 30)  # of these 30, what decide said it explored
    assert sum(sum(xs) for xs in results["series"]["impressions"].values()) == 30


def test_config_exports_as_toml_and_imports_with_a_diff_first(server, editor):
    exported = editor.get("/admin/api/config").json()
    live = parse_config(tomllib.loads(exported["toml"]))  # what `attune serve --config` reads
    assert [b.id for b in live.sites[0].blocks] == ["hero", "recs", "banner", "retired", "tips"]
    changed = exported["toml"].replace('reward_window = 1\n', 'reward_window = 5\n', 1)
    preview = editor.post("/admin/api/config/preview", json={"toml": changed}).json()
    assert preview["valid"] and "-reward_window = 1" in preview["diff"] and "+reward_window = 5" in preview["diff"]
    broken = editor.post("/admin/api/config/preview", json={"toml": changed.replace("= 5", "= 0", 1)}).json()
    assert not broken["valid"] and "sites[0].reward_window" in broken["error"]
    assert editor.put("/admin/api/config", json={"toml": changed}).status_code == 200
    assert "reward_window = 5" in editor.get("/admin/api/config").json()["toml"]
    editor.put("/admin/api/config", json={"toml": exported["toml"]})


def test_every_change_is_in_the_audit_log_with_before_and_after(server, editor):
    editor.patch("/admin/api/sites/pk_test/blocks/tips", json={"exploration": 0.05})
    entry = editor.get("/admin/api/audit", params={"target": "pk_test/tips"}).json()[0]
    assert entry["actor"] == "admin" and entry["action"] == "update-block" and entry["at"] > 0
    assert '"exploration": 0.02' in entry["before"] and '"exploration": 0.05' in entry["after"]
    page = editor.get("/admin/audit").text
    assert "changed exploration of tips" in page


def test_admin_edits_survive_a_restart_until_the_file_changes(tmp_path, caplog):
    config = tmp_path / "attune.toml"
    shutil.copy(TEST_CONFIG, config)
    with admin_app(tmp_path / "data", config=config) as running, closing(signed_in(running)) as client:
        assert client.patch("/admin/api/sites/pk_test/blocks/hero", json={"enabled": False}).status_code == 200
    with attune(tmp_path / "data", config=config) as running:
        assert decide(running, "hero")["explain"]["reason"] == "disabled"  # kept across the restart
    assert "changed since the last start" not in caplog.text
    config.write_text(config.read_text().replace("reward_window = 1", "reward_window = 2"))
    with attune(tmp_path / "data", config=config) as running:  # a changed file is a deploy: it replaces the edits
        assert decide(running, "hero")["explain"]["reason"] != "disabled"
    assert "changed since the last start" in caplog.text


def test_first_run_creates_admin_and_shows_its_password_once(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(FIRST_PASSWORD_ENV, raising=False)
    with attune(tmp_path / "data") as running:
        said = capsys.readouterr().err
        (password,) = re.findall(r"created admin user 'admin' with password (\S+);", said)
        with closing(signed_in(running, "admin", password)) as client:
            assert client.get("/admin/api/me").json()["role"] == "editor"
    with attune(tmp_path / "data"):
        said += capsys.readouterr().err
    assert said.count("first run") == 1
    assert PASSWORD not in said


def test_an_editor_adds_and_removes_users_while_attune_runs(server, editor):
    """No restart, no CLI: the new user signs in with the password shown once; removal ends their session."""
    made = editor.post("/admin/api/users", json={"name": "nora", "role": "viewer"})
    assert made.status_code == 201 and made.json()["role"] == "viewer" and len(made.json()["password"]) >= 16
    nora = signed_in(server, "nora", made.json()["password"])
    assert nora.get("/admin/api/me").json() == {"name": "nora", "role": "viewer", "can_edit": False}
    assert "nora" in editor.get("/admin/users").text
    assert [u for u in editor.get("/admin/api/users").json() if u["name"] == "nora"] == [{"name": "nora",
                                                                                          "role": "viewer"}]
    again = editor.post("/admin/api/users", json={"name": "nora", "role": "editor"})
    assert again.status_code == 400 and "a user with this name exists" in again.text
    bad = editor.post("/admin/api/users", json={"name": "no spaces please", "role": "viewer"})
    assert bad.status_code == 400 and "name 'no spaces please'" in bad.text
    assert editor.delete("/admin/api/users/admin").status_code == 400  # not yourself: an editor always remains
    assert editor.delete("/admin/api/users/ghost").status_code == 404

    changed = nora.put("/admin/api/me/password", json={"current": made.json()["password"], "new": "nora's own pw!"})
    assert changed.status_code == 200  # a viewer may change their own password
    short = nora.put("/admin/api/me/password", json={"current": "nora's own pw!", "new": "short"})
    assert short.status_code == 400 and "at least 10 characters" in short.text
    assert editor.delete("/admin/api/users/nora").status_code == 200
    assert nora.get("/admin/api/me").status_code == 401  # removed: the open session ended with the user
    actions = [e["action"] for e in editor.get("/admin/api/audit", params={"target": "user/nora"}).json()]
    assert actions == ["remove-user", "change-password", "create-user"]
    nora.close()
