from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.inprocess import attune

TEST_CONFIG = Path(__file__).with_name("attune-test.toml")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Attune in this process on attune-test.toml (short reward window, no holdout on pk_test), one per module."""
    with attune(tmp_path_factory.mktemp("api") / "data", config=TEST_CONFIG) as running:
        yield running


@pytest.fixture
def client(app):
    return app.client


def new_id() -> str:
    return uuid.uuid4().hex


def decide(client: httpx.Client, blocks, *, site="pk_test", visitor=None, context=None, **extra) -> list[dict]:
    body = {"site": site, "blocks": blocks, "visitor": visitor, "context": context or {}, **extra}
    response = client.post("/v1/decide", json=body)
    assert response.status_code == 200, response.text
    return response.json()["decisions"]


def send(client: httpx.Client, events: list[dict], *, site="pk_test", visitor=None) -> dict:
    response = client.post("/v1/events", json={"site": site, "visitor": visitor, "events": events})
    assert response.status_code == 202, response.text
    return response.json()
