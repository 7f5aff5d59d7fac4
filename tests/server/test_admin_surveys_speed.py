"""Satisfaction against page speed on generated traffic (fixed seeds): where slower pages were made less satisfied
the page says so in one sentence with its interval, and where they were not it says no difference was found."""

from __future__ import annotations

import re

import pytest

from tests.support.admin import admin_app, signed_in
from tests.support.survey_answers import pulse_traffic
from tests.support.survey_config import surveys_config

VISITORS = 300  # ~150 a side: a one-point CSAT drop is many standard errors wide, no drop stays inside



@pytest.fixture(scope="module")
def slower_is_worse(tmp_path_factory):
    root = tmp_path_factory.mktemp("speed-worse")
    with admin_app(root / "data", config=surveys_config(root), events_per_visitor=0, events_per_address=0) as app:
        sent = pulse_traffic(app.client, visitors=VISITORS, seed=7, slower_is_worse=True)
        app.settle()
        client = signed_in(app)
        yield client, sent


@pytest.fixture(scope="module")
def speed_does_not_matter(tmp_path_factory):
    root = tmp_path_factory.mktemp("speed-same")
    with admin_app(root / "data", config=surveys_config(root), events_per_visitor=0, events_per_address=0) as app:
        pulse_traffic(app.client, visitors=VISITORS, seed=11, slower_is_worse=False)
        app.settle()
        yield signed_in(app)


def test_slower_pages_found_less_satisfied_in_one_sentence(slower_is_worse):
    admin, sent = slower_is_worse
    view = admin.get("/admin/api/sites/pk_test/satisfaction").json()
    match = re.fullmatch(r"CSAT is (\d\.\d) lower \(95% CI (\d\.\d)–(\d\.\d)\) when LCP is over 2\.5 s, n = (\d+)\.",
                         view["sentence"])
    assert match, view["sentence"]
    print("\n" + view["sentence"])
    fast = [s["csat"] for s in sent if s["lcp"] <= 2500]
    slow = [s["csat"] for s in sent if s["lcp"] > 2500]
    by_hand = sum(fast) / len(fast) - sum(slow) / len(slow)
    drop, low, high, n = float(match[1]), float(match[2]), float(match[3]), int(match[4])
    assert drop == pytest.approx(by_hand, abs=0.05) and low < by_hand < high and n == VISITORS
    assert 0.6 < drop < 1.4  # made one point lower, 0.8 sd of noise: within 0.4 at n = 300 (seed 7)
    lcp = next(c for c in view["comparisons"] if c["kind"] == "csat" and c["factor"] == "lcp_ms")
    assert [b["name"] for b in lcp["buckets"]] == ["≤ 2.5 s", "2.5–4 s", "> 4 s"]
    assert lcp["buckets"][0]["score"]["value"] > lcp["buckets"][2]["score"]["value"]
    assert lcp["spearman"] < -0.2 and lcp["spearman_ci"][1] < 0
    page = admin.get("/admin/sites/pk_test/satisfaction")
    assert page.status_code == 200 and view["sentence"] in page.text


def test_without_a_real_difference_it_says_none_was_found(speed_does_not_matter):
    view = speed_does_not_matter.get("/admin/api/sites/pk_test/satisfaction").json()
    assert view["sentence"].startswith("No difference found"), view["sentence"]
    lcp = next(c for c in view["comparisons"] if c["kind"] == "csat" and c["factor"] == "lcp_ms")
    assert lcp["supported"] is False and lcp["adjusted_ci"][0] < 0 < lcp["adjusted_ci"][1]
    js = next(c for c in view["comparisons"] if c["factor"] == "js_errors")
    assert js["lower_when_slow"] is None  # nobody had a JS error: nothing to compare, and it says so


def test_a_bad_date_filter_is_a_400_naming_it(speed_does_not_matter):
    response = speed_does_not_matter.get("/admin/api/sites/pk_test/satisfaction", params={"from": "yesterday"})
    assert response.status_code == 400 and "from" in response.text
