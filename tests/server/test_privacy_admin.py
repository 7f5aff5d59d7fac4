"""The admin's Privacy page and its JSON mirror: consent rates, requests, retention runs, receipts; no visitor named."""

from __future__ import annotations

import time
from contextlib import closing

import pytest

from server.privacy.retention import DAY_MS
from tests.server.conftest import TEST_CONFIG
from tests.support.admin import admin_app, signed_in

VISITOR_HASH = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
TODAY = time.time_ns() // 10**6 // DAY_MS * DAY_MS + 3_600_000  # 01:00 UTC today


def receipt(id_: str, *, days_ago: int, granted: tuple[bool, bool, bool], gpc: bool = False, site: str = "pk_test"):
    return (id_, site, VISITOR_HASH, *granted, "banner", "2", gpc, TODAY - days_ago * DAY_MS)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with admin_app(tmp_path_factory.mktemp("privacy-admin") / "data", config=TEST_CONFIG,
                   users={"vera": "viewer"}) as running:
        writer = running.runtime.writer
        receipts = [
            receipt("c-today-1", days_ago=0, granted=(True, True, True)),
            receipt("c-today-2", days_ago=0, granted=(True, False, True)),
            receipt("c-today-3", days_ago=0, granted=(False, False, False), gpc=True),
            receipt("c-today-4", days_ago=0, granted=(False, True, True)),
            receipt("c-yesterday", days_ago=1, granted=(True, True, False)),
            receipt("c-long-ago", days_ago=45, granted=(True, True, True)),  # outside the 30 days shown
            receipt("c-other-site", days_ago=0, granted=(False, False, False), site="pk_holdout"),
        ]
        writer.run_job_blocking(lambda c: c.executemany(
            "INSERT INTO consent_receipts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", receipts))
        writer.run_job_blocking(lambda c: c.executemany("INSERT INTO privacy_requests VALUES ('pk_test', ?, ?)", [
            ("export", TODAY), ("export", TODAY - 40 * DAY_MS), ("erase", TODAY)]))
        writer.run_job_blocking(lambda c: c.execute(
            "INSERT INTO erasure_receipts VALUES ('e-1', 'pk_test', ?, 3, 7, 2, 1, 1)", [TODAY]))
        yield running


@pytest.fixture(scope="module")
def viewer(app):
    with closing(signed_in(app, "vera")) as client:
        yield client


def test_a_viewer_reads_consent_rates_per_day_and_request_counts(app, viewer):
    report = viewer.get("/admin/api/privacy").json()
    test_site = next(s for s in report["sites"] if s["site"] == "pk_test")
    today, yesterday = test_site["consent_days"]
    assert (today["receipts"], today["personalization"], today["feedback"], today["measurement"]) == (4, 0.5, 0.5, 0.75)
    assert (today["withdrawals"], today["gpc"]) == (1, 1)
    assert (yesterday["receipts"], yesterday["measurement"]) == (1, 0.0)
    assert test_site["requests"]["exports"] == 2 and test_site["requests"]["exports_recent"] == 1
    assert test_site["requests"]["erasures"] == 1 and test_site["requests"]["erased_rows"]["events"] == 7
    assert test_site["transparency_url"] == "/transparency/pk_test"
    other = next(s for s in report["sites"] if s["site"] == "pk_holdout")
    assert [d["personalization"] for d in other["consent_days"]] == [0.0]

    page = viewer.get("/admin/privacy")
    assert page.status_code == 200
    assert "50%" in page.text and "75%" in page.text and 'href="/transparency/pk_test"' in page.text
    assert VISITOR_HASH not in page.text and VISITOR_HASH not in str(report)


def test_a_receipt_is_found_by_its_id_without_its_visitor(app, viewer):
    found = viewer.get("/admin/api/privacy/receipts", params={"receipt": "c-today-2"})
    assert found.json() == {
        "receipt": "c-today-2", "kind": "consent", "site": "pk_test", "at": TODAY, "linked_to_visitor": True,
        "categories": {"personalization": True, "feedback": False, "measurement": True}, "source": "banner",
        "policy_version": "2", "gpc": False, "erased": None}
    page = viewer.get("/admin/privacy", params={"receipt": "c-today-2"}).text
    assert "granted" in page and "refused" in page and VISITOR_HASH not in page
    erasure = viewer.get("/admin/api/privacy/receipts", params={"receipt": "e-1"}).json()
    assert erasure["kind"] == "erasure" and erasure["erased"]["decisions"] == 3


def test_an_unknown_receipt_is_named_in_the_refusal(viewer):
    response = viewer.get("/admin/api/privacy/receipts", params={"receipt": "c-nope"})
    assert response.status_code == 404 and "c-nope" in response.json()["detail"]
    assert "no consent or erasure receipt" in viewer.get("/admin/privacy", params={"receipt": "c-nope"}).text
    assert viewer.get("/admin/api/privacy/receipts", params={"receipt": "x" * 101}).status_code == 400


def test_retention_settings_and_the_last_run_show(app, viewer):
    """Last in this module: the run deletes every receipt the tests above read."""
    page = viewer.get("/admin/privacy").text
    assert "90 days" in page and "730 days" in page and "1825 days" in page
    app.runtime.retention.run_once(TODAY + 2000 * DAY_MS)  # far ahead: every receipt is past 1825 days
    retention = {r["kind"]: r for r in next(
        s for s in viewer.get("/admin/api/privacy").json()["sites"] if s["site"] == "pk_test")["retention"]}
    assert retention["consent"]["last_run"] == TODAY + 2000 * DAY_MS
    assert retention["consent"]["deleted_last_run"] == 6 + 3 + 1  # 6 receipts, 3 requests, 1 erasure receipt
    assert "Deleted then" in viewer.get("/admin/privacy").text
