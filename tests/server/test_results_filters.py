"""The results page's filters, CSV export and overview, through a signed-in admin on a real DuckDB log.

Logs are written straight into the data directory's DuckDB file before Attune starts (as a restart would find
them), so each test knows every count it should see.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from server.storage.event_log import EventLog
from server.storage.rows import DecisionRow, EventRow
from tests.support.admin import admin_app, signed_in

DAY = 86_400_000
CONFIG = """
[[sites]]
key = "pk_shop"
allowed_origins = ["https://shop.example"]
holdout_share = 0.1
reward_window = 60

[[sites.blocks]]
id = "hero"
policy = "thompson"
fallback = "classic"
feedback = "thumbs"
variants = [{ id = "classic" }, { id = "deal" }]

[[sites.blocks]]
id = "recs"
policy = "thompson"
fallback = "bestsellers"
feedback = "stars"
variants = [{ id = "bestsellers" }, { id = "new-in" }]
"""


@dataclass
class Log:
    """Decisions and their events, each seen 1 s after it was made; clicks 2 s after, ratings 3 s after."""

    decisions: list[DecisionRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)

    def add(self, *, block: str = "hero", variant: str = "deal", holdout: bool = False, at: int, seen: bool = True,
            clicked: bool = False, rating: float | None = None, context: dict | None = None,
            feedback: str = "thumbs") -> None:
        i = len(self.decisions)
        candidates = ["classic", "deal"] if block == "hero" else ["bestsellers", "new-in"]
        self.decisions.append(DecisionRow(
            decision_id=f"d{i}", site="pk_shop", block=block, variant=variant, candidates=candidates,
            propensity=1.0 if holdout else 0.5, policy="thompson", policy_version=0, context=json.dumps(context or {}),
            explored=False, holdout=holdout, reason="holdout" if holdout else "model", visitor=None, window_ms=60_000,
            feedback=feedback, decided_at=at))
        for kind, after, value, happened in [("impression", 1_000, None, seen), ("click", 2_000, None, clicked),
                                             ("rating", 3_000, rating, rating is not None)]:
            if happened:
                self.events.append(EventRow(id=f"{kind}{i}", site="pk_shop", visitor=None, type=kind,
                                            decision_id=f"d{i}", value=value, ts=None, received_at=at + after))

    def write(self, data_dir: Path) -> None:
        log = EventLog(data_dir / "attune.duckdb")
        self.decisions.sort(key=lambda d: d.decided_at)
        self.events.sort(key=lambda e: e.received_at)
        for seq, row in enumerate([*self.decisions, *self.events], start=1):
            row.seq = seq
        log.append(log.cursor(), self.decisions, self.events)
        log.close()


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def now_ms() -> int:
    return int(time.time() * 1000)


def day_of(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).date().isoformat()


MIDNIGHT = (now_ms() // DAY) * DAY  # today, UTC
TODAY = MIDNIGHT + (now_ms() - MIDNIGHT) // 2  # earlier today, whatever the hour the tests run
THREE_DAYS_AGO, TEN_DAYS_AGO = MIDNIGHT - 3 * DAY + DAY // 2, MIDNIGHT - 10 * DAY + DAY // 2


def shop_log() -> Log:
    """hero: today 40 mobile impressions (10 clicks, 20 of them trait plan=pro) and 20 desktop (none), 10 in the
    holdout; 30 three days ago; 50 ten days ago (folded into the rollup when Attune starts). recs: star ratings."""
    log = Log()
    for i in range(40):
        log.add(at=TODAY + i, clicked=i < 10, context={"device": "mobile", **({"trait_plan": "pro"} if i % 2 else {})})
    for i in range(20):
        log.add(at=TODAY + 100 + i, context={"device": "desktop"})
    for i in range(10):
        log.add(variant="classic", holdout=True, at=TODAY + 200 + i, context={"device": "mobile"})
    for i in range(30):
        log.add(at=THREE_DAYS_AGO + i, clicked=i < 3, context={"device": "desktop"})
    for i in range(50):
        log.add(variant="classic", at=TEN_DAYS_AGO + i, context={"device": "mobile"})
    for i, stars in enumerate([5, 4, 4, 1, 5, 3]):
        log.add(block="recs", variant="new-in", at=TODAY + i, rating=stars, feedback="stars",
                context={"device": "=HYPERLINK(\"http://x\")"})
    return log


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    where = tmp_path_factory.mktemp("results-filters")
    shop_log().write(where / "data")
    with admin_app(where / "data", config=config_file(where)) as app:
        yield app


@pytest.fixture(scope="module")
def admin(shop):
    with closing(signed_in(shop)) as client:
        yield client


def results(admin, block: str = "hero", **params) -> dict:
    response = admin.get(f"/admin/api/sites/pk_shop/blocks/{block}/results", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def impressions(found: dict) -> dict[str, int]:
    return {v["variant"]: v["impressions"] for v in found["variants"]}


def test_unfiltered_results_count_every_day_and_read_the_rollup(admin):
    found = results(admin)
    assert impressions(found) == {"classic": 60, "deal": 90}
    assert found["filter"] == {"first_day": None, "last_day": None, "segment": None, "read_from": "rollup"}


def test_a_date_range_counts_only_its_days_and_still_reads_the_rollup(admin, shop):
    rollup_rows = shop.runtime.event_log.cursor().execute("SELECT sum(decisions) FROM results_rollup").fetchone()[0]
    assert rollup_rows  # the ten- and three-day-old decisions were folded when Attune started
    assert impressions(results(admin, **{"from": day_of(TEN_DAYS_AGO), "to": day_of(TEN_DAYS_AGO)})) == {
        "classic": 50, "deal": 0}
    last_week = results(admin, **{"from": day_of(THREE_DAYS_AGO)})
    assert impressions(last_week) == {"classic": 10, "deal": 90} and last_week["filter"]["read_from"] == "rollup"
    assert last_week["decisions"] == 100
    assert impressions(results(admin, to=day_of(THREE_DAYS_AGO))) == {"classic": 50, "deal": 30}


def test_a_segment_reads_the_logged_context_for_fields_and_traits(admin):
    mobile = results(admin, segment="device=mobile")
    assert impressions(mobile) == {"classic": 60, "deal": 40} and mobile["filter"]["read_from"] == "log"
    assert {v["variant"]: v["clicks"] for v in mobile["variants"]} == {"classic": 0, "deal": 10}
    assert mobile["lift"]["holdout_impressions"] == 10
    pro = results(admin, segment="trait.plan=pro")
    assert impressions(pro) == {"classic": 0, "deal": 20}
    assert impressions(results(admin, segment="trait_plan=pro")) == impressions(pro)  # as logged, too
    both = results(admin, segment="device=desktop", **{"from": day_of(TODAY), "to": day_of(TODAY)})
    assert impressions(both) == {"classic": 0, "deal": 20}
    assert impressions(results(admin, segment="device=watch")) == {"classic": 0, "deal": 0}


def test_the_stars_mean_rating_interval_stays_on_the_scale(admin):
    (new_in,) = [v for v in results(admin, block="recs")["variants"] if v["variant"] == "new-in"]
    assert new_in["ratings"] == 6 and new_in["mean_rating"] == pytest.approx(22 / 6)
    assert 1.0 <= new_in["mean_rating_ci"]["low"] < new_in["mean_rating"] < new_in["mean_rating_ci"]["high"] <= 5.0


@pytest.mark.parametrize(("params", "named"), [
    ({"from": "2026-13-01"}, "from: '2026-13-01' is not a date"),
    ({"to": "yesterday"}, "to: 'yesterday' is not a date"),
    ({"from": "2026-12-05", "to": "2026-12-01"}, "from: 2026-12-05 is after to (2026-12-01)"),
    ({"segment": "mobile"}, "segment: 'mobile' is not field=value"),
    ({"segment": "=mobile"}, "segment: '=mobile' is not field=value"),
    ({"segment": "dev\x01ice=x"}, "segment: the field name must be 1 to 64 printable characters"),
    ({"segment": "device=" + "x" * 300}, "segment"),
])
def test_a_bad_filter_is_a_400_that_names_it(admin, params, named):
    for path in ["/admin/api/sites/pk_shop/blocks/hero/results", "/admin/sites/pk_shop/blocks/hero/results.csv"]:
        response = admin.get(path, params=params)
        assert response.status_code == 400 and named in response.json()["detail"], response.text
    page = admin.get("/admin/sites/pk_shop/blocks/hero/results", params=params)
    assert page.status_code == 400
    if "x" * 300 not in str(params):
        assert "Filter not applied: " + named.replace("'", "&#39;") in page.text


def test_the_filtered_page_says_what_it_shows_and_links_its_csv(admin):
    page = admin.get("/admin/sites/pk_shop/blocks/hero/results",
                     params={"segment": "device=mobile", "from": day_of(TEN_DAYS_AGO)})
    assert page.status_code == 200
    assert "Only decisions whose logged context has device=mobile" in page.text
    assert f"results.csv?from={day_of(TEN_DAYS_AGO)}&amp;to=&amp;segment=device%3Dmobile" in page.text
    assert f'value="{day_of(TEN_DAYS_AGO)}"' in page.text and 'value="device=mobile"' in page.text


def test_csv_export_is_the_results_table_under_the_same_filters(admin):
    params = {"segment": "device=mobile"}
    response = admin.get("/admin/sites/pk_shop/blocks/hero/results.csv", params=params)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="results-pk_shop-hero.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    found = results(admin, **params)
    variants = {r["name"]: r for r in rows if r["row"] == "variant"}
    assert {name: int(r["impressions"]) for name, r in variants.items()} == impressions(found)
    assert float(variants["deal"]["click_rate"]) == pytest.approx(10 / 40)
    assert float(variants["deal"]["click_rate_low"]) == pytest.approx(found["variants"][1]["click_rate_ci"]["low"],
                                                                      rel=1e-5)
    assert {r["segment"] for r in rows} == {"device=mobile"}
    groups = {r["name"]: int(r["impressions"]) for r in rows if r["row"] == "group"}
    assert groups == {"personalized": 90, "holdout": 10}  # 40 deal today, 50 classic ten days ago


def test_csv_cells_a_spreadsheet_would_run_are_quoted(admin):
    text = admin.get("/admin/sites/pk_shop/blocks/recs/results.csv", params={"segment": "+SUM(A1)=1"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {r["segment"] for r in rows} == {"'+SUM(A1)=1"}
    text = admin.get("/admin/sites/pk_shop/blocks/recs/results.csv",
                     params={"segment": 'device==HYPERLINK("http://x")'}).text
    assert sum(int(r["impressions"]) for r in csv.DictReader(io.StringIO(text)) if r["row"] == "variant") == 6


def test_the_overview_lists_every_block_with_its_lift_and_weekly_trend(admin):
    blocks = {b["block"]: b for b in admin.get("/admin/api/sites/pk_shop/overview").json()}
    assert set(blocks) == {"hero", "recs"}
    hero = blocks["hero"]
    assert hero["last_week"]["impressions"] == 100 and hero["week_before"]["impressions"] == 50
    assert hero["last_week"]["reward"] == pytest.approx(13 / 90)  # clicks per personalized impression
    assert hero["week_before"]["reward"] == 0.0
    assert hero["lift"]["verdict"]["state"] == "not_enough_data" and hero["lift"]["holdout_impressions"] == 10
    page = admin.get("/admin/sites/pk_shop/overview")
    assert page.status_code == 200
    assert '<a href="/admin/sites/pk_shop/blocks/hero/results">hero</a>' in page.text
    assert "Not enough data yet" in page.text and "100 (50)" in page.text and "up 0.144" in page.text
    assert 'href="/admin/sites/pk_shop/overview" aria-current="page"' in page.text  # the menu says where you are
