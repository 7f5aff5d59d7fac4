"""The widget as a site owner loads it: a short-cached stable URL and an immutable pinned one with SRI."""

from __future__ import annotations

import base64
import hashlib


def test_the_stable_url_names_the_pinned_url_and_its_integrity(client):
    latest = client.get("/v1/attune.js")
    assert latest.status_code == 200 and latest.headers["content-type"].startswith("text/javascript")
    assert latest.headers["cache-control"] == "public, max-age=300"
    digest = "sha384-" + base64.b64encode(hashlib.sha384(latest.content).digest()).decode()
    assert latest.headers["x-attune-integrity"] == digest
    pinned_path = latest.headers["link"].split(">")[0].lstrip("<")

    pinned = client.get(pinned_path)
    assert pinned.status_code == 200 and pinned.content == latest.content
    assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_an_unknown_version_is_a_404_naming_the_current_one(client):
    current = client.get("/v1/attune.js").headers["etag"].strip('"')
    response = client.get("/v1/widget/000000000000/attune.js")
    assert response.status_code == 404 and current in response.json()["detail"]


def test_the_lazy_chunk_is_served_beside_the_core_at_both_urls(client):
    latest = client.get("/v1/attune.js")
    pinned_folder = latest.headers["link"].split(">")[0].lstrip("<").rsplit("/", 1)[0]

    stable = client.get("/v1/attune-preferences.js")
    assert stable.status_code == 200 and stable.headers["content-type"].startswith("text/javascript")
    assert stable.headers["cache-control"] == "public, max-age=300"
    assert stable.headers["access-control-allow-origin"] == "*"
    assert b"preferences.attach" in stable.content and stable.content != latest.content

    pinned = client.get(f"{pinned_folder}/attune-preferences.js")
    assert pinned.status_code == 200 and pinned.content == stable.content
    assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_the_version_covers_the_chunk_too(tmp_path):
    from server.bundle.files import load_bundle

    core, chunk = tmp_path / "attune.js", tmp_path / "attune-preferences.js"
    core.write_bytes(b"core")
    assert load_bundle(core) is None  # half a build is no build
    chunk.write_bytes(b"chunk one")
    first = load_bundle(core)
    chunk.write_bytes(b"chunk two, a different length")
    second = load_bundle(core)
    assert first.integrity == second.integrity and first.version != second.version


def test_an_unknown_version_of_the_chunk_is_a_404(client):
    response = client.get("/v1/widget/000000000000/attune-preferences.js")
    assert response.status_code == 404 and "current one" in response.json()["detail"]
