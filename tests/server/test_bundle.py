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
