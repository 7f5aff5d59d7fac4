"""The demo shop through scaled mode's local launcher (infra/launch.py: Redis, a learner, two edges, one front port),
as a newcomer's browser finds it: every block decided, a thumbs-down stored by the learner, the "why" popover."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.scaled.cluster import REDIS_SERVER, wait_for
from tests.support.server import ROOT, free_port

HOLDOUT = "holdout"  # the reason a visitor in the demo's 5% holdout sees the page's own content


@pytest.fixture(scope="module")
def front(tmp_path_factory, widget_bundle):
    """The launcher's one port; every browser here is one address, so the privacy calls' per-address limit is off."""
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not on PATH: ./dev test installs it (apt-get install redis-server)")
    directory = tmp_path_factory.mktemp("scaled-demo")
    url = f"http://127.0.0.1:{free_port()}"
    log = open(directory / "launch.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "infra/launch.py", "--port", url.rsplit(":", 1)[1], "--data-dir", str(directory / "data")],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ATTUNE_PRIVACY_PER_MINUTE": "0"})

    def up() -> bool:
        try:
            return httpx.get(f"{url}/demo/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return process.poll() is not None  # exited: the assertion below shows its log
    try:
        wait_for(up, timeout=150, pause=0.3)
        assert process.poll() is None, (directory / "launch.log").read_text()
        yield url
    finally:
        process.send_signal(signal.SIGINT)  # the launcher stops the edges, the learner, then Redis
        process.wait(timeout=60)
        log.close()


def newcomer(new_visit, url: str):
    """A first visit whose blocks are each personalized or in the holdout; retried until the hero is personalized."""
    for _ in range(5):  # P(the hero in the holdout five times) = 0.05**5
        visit = new_visit()
        with visit.page.expect_response(lambda response: urlsplit(response.url).path == "/v1/decide") as answer:
            visit.open(url)
        reasons = {d["block"]: d["explain"]["reason"] for d in answer.value.json()["decisions"]}
        states = visit.page.eval_on_selector_all("[data-attune-block]", """blocks => Object.fromEntries(
            blocks.map(b => [b.dataset.attuneBlock, b.dataset.attuneState]))""")
        assert set(states) == set(reasons) == {"hero", "recs", "banner"}, (states, reasons)
        for block, state in states.items():
            in_holdout = state == "fallback" and reasons[block] == HOLDOUT
            assert state == "personalized" or in_holdout, (block, state, reasons)
        if states["hero"] == "personalized":
            return visit
    raise AssertionError("five newcomers in a row had the hero in the holdout")


def test_a_newcomer_through_the_launcher_sees_every_block_decided_rates_one_down_and_asks_why(front, new_visit):
    visit = newcomer(new_visit, f"{front}/demo/")
    hero, decision = visit.block("hero"), visit.decision("hero")

    hero.get_by_role("button", name="Why am I seeing this?").click()
    dialog = hero.get_by_role("dialog", name="Why am I seeing this?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Turn off personalization")).to_be_visible()
    visit.page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    hero.get_by_role("button", name="Not relevant").click()
    expect(hero).to_have_attribute("data-attune-state", "fallback")
    (rating,) = visit.wait_for_events("rating", decision)  # sent to an edge, into the stream, to the learner's log

    def stored() -> list[dict]:  # /v1/visitor/export goes to the learner, which reads its DuckDB file
        exported = httpx.post(f"{front}/v1/visitor/export", json={"site": "pk_demo", "visitor": rating["visitor"]},
                              timeout=5)
        assert exported.status_code == 200, exported.text
        return [r for r in exported.json()["ratings"] if r["decision_id"] == decision]
    (record,) = wait_for(stored, timeout=10, pause=0.2)
    assert record["value"] == -1 and record["block"] == "hero" and record["hidden"], record
    assert visit.errors == [] and visit.console_errors() == []
