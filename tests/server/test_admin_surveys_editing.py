"""Surveys in the admin: created, edited, paused, resumed and deleted through the pages and the JSON API, each
change validated as the config file is (the error names the key), versioned and in the audit log."""

from __future__ import annotations

import re

import pytest

from tests.support.admin import admin_app, signed_in
from tests.support.survey_config import surveys_config

NEW = """id = "exit"
name = "Exit poll"
placement = "inline"
[trigger]
exit_intent = true
[[questions]]
id = "found"
type = "thumbs"
text = "Did you find what you were looking for?"
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("admin-surveys")
    with admin_app(root / "data", config=surveys_config(root)) as running:
        yield running


@pytest.fixture(scope="module")
def editor(server):
    client = signed_in(server)
    yield client
    client.close()


def form(client, url: str, **fields):
    return client.post(url, data={"_csrf_token": client.cookies["csrftoken"], **fields}, follow_redirects=False)


def version(editor) -> int:
    return editor.get("/admin/api/config").json()["version"]


def audit(editor, target: str) -> list[dict]:
    return editor.get("/admin/api/audit", params={"target": target}).json()


def test_the_list_shows_each_survey_with_its_state_and_links(editor):
    page = editor.get("/admin/sites/pk_test/surveys")
    assert page.status_code == 200
    assert 'href="/admin/sites/pk_test/surveys/nps"' in page.text
    assert "/admin/sites/pk_test/surveys/pulse/results" in page.text
    assert 'aria-checked="true"' in page.text and ">Surveys</a>" in page.text  # in the nav too


def test_a_survey_created_on_the_page_is_live_versioned_and_audited(editor):
    before = version(editor)
    created = form(editor, "/admin/sites/pk_test/new-survey", toml=NEW)
    assert created.status_code == 303
    assert created.headers["location"] == "/admin/sites/pk_test/surveys/exit?saved=created"
    assert version(editor) == before + 1
    survey = editor.get("/admin/api/sites/pk_test/surveys/exit").json()
    assert survey["placement"] == "inline" and survey["trigger"]["exit_intent"] is True
    [entry] = audit(editor, "pk_test/surveys/exit")
    assert entry["action"] == "create-survey" and entry["actor"] == "admin" and entry["before"] is None
    assert '"found"' in entry["after"]
    page = editor.get("/admin/sites/pk_test/surveys/exit")
    assert "Did you find what you were looking for?" in page.text  # the preview, rendered with the editor


def test_an_invalid_survey_is_refused_naming_the_key_and_kept_as_typed(editor):
    before = version(editor)
    broken = NEW.replace('id = "exit"', 'id = "exit2"').replace('type = "thumbs"', 'type = "stars"')
    refused = form(editor, "/admin/sites/pk_test/new-survey", toml=broken)
    assert refused.status_code == 400
    assert re.search(r"sites\[0\]\.surveys\[\d\]\.questions\[0\]\.type", refused.text), refused.text
    assert 'type = &#34;stars&#34;' in refused.text or "type = &quot;stars&quot;" in refused.text  # kept to fix
    branch = editor.put("/admin/api/sites/pk_test/surveys/nps", json={
        "id": "nps", "questions": [{"id": "score", "type": "nps", "text": "Recommend us?",
                                    "next": [{"lte": 6, "to": "nowhere"}]}]})
    assert branch.status_code == 400 and "surveys[0].questions[0].next[0].to" in branch.text, branch.text
    too_many = editor.post("/admin/api/sites/pk_test/surveys", json={
        "id": "long", "questions": [{"id": f"q{i}", "type": "text", "text": "Why?"} for i in range(6)]})
    assert too_many.status_code == 400 and "questions" in too_many.text
    duplicate = editor.post("/admin/api/sites/pk_test/surveys", json={
        "id": "nps", "questions": [{"id": "q", "type": "text", "text": "Why?"}]})
    assert duplicate.status_code == 400 and "'nps' exists already" in duplicate.text
    assert version(editor) == before


def test_the_preview_renders_the_questions_and_names_what_is_wrong(editor):
    shown = form(editor, "/admin/sites/pk_test/survey-preview", toml=NEW.replace('"exit"', '"exit3"'), original="")
    assert shown.status_code == 200 and "Did you find what you were looking for?" in shown.text
    wrong = form(editor, "/admin/sites/pk_test/survey-preview", toml="id = 'x'\n[[questions]]\nid = 'q'\n",
                 original="")
    assert wrong.status_code == 200 and "Cannot preview" in wrong.text and "questions[0]" in wrong.text


def test_pause_resume_edit_and_delete_each_leave_an_audit_entry(editor):
    paused = form(editor, "/admin/sites/pk_test/surveys/exit/enabled", enabled="off")
    assert paused.status_code == 303
    assert editor.get("/admin/api/sites/pk_test/surveys/exit").json()["enabled"] is False
    assert editor.patch("/admin/api/sites/pk_test/surveys/exit", json={"enabled": True}).status_code == 200
    edited = form(editor, "/admin/sites/pk_test/surveys/exit", toml=NEW.replace("Exit poll", "Leaving so soon?"))
    assert edited.status_code == 303
    assert editor.get("/admin/api/sites/pk_test/surveys/exit").json()["name"] == "Leaving so soon?"
    before = version(editor)
    deleted = form(editor, "/admin/sites/pk_test/surveys/exit/delete")
    assert deleted.status_code == 303 and version(editor) == before + 1
    assert editor.get("/admin/api/sites/pk_test/surveys/exit").status_code == 404
    actions = [e["action"] for e in audit(editor, "pk_test/surveys/exit")]
    assert actions == ["delete-survey", "update-survey", "resume-survey", "pause-survey", "create-survey"]
    assert editor.delete("/admin/api/sites/pk_test/surveys/exit").status_code == 404


def test_a_viewer_reads_surveys_but_cannot_change_them(server, editor):
    from tests.support.admin import create_user
    create_user(server.runtime.settings.data_dir, "reader", "viewer")
    viewer = signed_in(server, "reader")
    assert viewer.get("/admin/sites/pk_test/surveys").status_code == 200
    assert viewer.patch("/admin/api/sites/pk_test/surveys/nps", json={"enabled": False}).status_code == 403
