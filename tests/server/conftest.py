from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.server import AttuneServer

TEST_CONFIG = Path(__file__).with_name("attune-test.toml")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`attune serve --config attune-test.toml`: short reward window, no holdout on pk_test."""
    running = AttuneServer(tmp_path_factory.mktemp("api") / "data", config=TEST_CONFIG).start()
    yield running
    running.stop()


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


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
