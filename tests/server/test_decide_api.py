"""POST /v1/decide against the app `attune serve` runs (in this process): what a site and its visitors get back."""

from __future__ import annotations

from collections import Counter

from tests.server.conftest import decide, new_id


def test_one_call_decides_every_block_in_order_with_content_propensity_and_explanation(client):
    decisions = decide(client, ["hero", "recs", "banner"], visitor=new_id(), context={"device": "mobile"})
    assert [d["block"] for d in decisions] == ["hero", "recs", "banner"]
    assert len({d["decision_id"] for d in decisions}) == 3
    hero, recs, banner = decisions
    assert hero["variant"] in {"classic", "deal", "story", "app"}
    assert hero["content"]["title"].lower() == hero["variant"]
    assert 0 < hero["propensity"] <= 1
    assert hero["explain"]["summary"] and hero["explain"]["policy"] == "contextual"
    assert (hero["feedback"], recs["feedback"], banner["feedback"]) == ("thumbs", "stars", None)


def test_variant_html_is_served_sanitised(client):
    contents = {d["variant"]: d["content"]["html"] for _ in range(40) for d in decide(client, ["recs"])}
    assert "<script" not in contents.get("bestsellers", "") and "onclick" not in contents.get("new-in", "")
    assert "<li>One</li>" in contents.get("bestsellers", "<li>One</li>")


def test_fixed_split_logs_its_exact_share_as_propensity(client):
    seen = Counter()
    for _ in range(400):
        (banner,) = decide(client, ["banner"])
        expected = {"a": 0.75, "b": 0.25}[banner["variant"]]
        assert abs(banner["propensity"] - expected) < 1e-12
        seen[banner["variant"]] += 1
    assert 0.65 < seen["a"] / 400 < 0.85  # 3:1 split; ±0.10 is > 4 standard deviations at n=400


def test_disabled_block_shows_its_fallback_and_says_so(client):
    (retired,) = decide(client, ["retired"], visitor=new_id())
    assert retired["variant"] == "old" and retired["propensity"] == 1.0
    assert retired["explain"]["reason"] == "disabled"


def test_forcing_rule_wins_and_is_named_in_the_explanation(client):
    for _ in range(20):
        (hero,) = decide(client, ["hero"], context={"device": "kiosk"})
        assert hero["variant"] == "classic" and hero["propensity"] == 1.0
        assert hero["explain"]["reason"] == "rule"
        assert hero["explain"]["rule"] == "Kiosks always show the classic hero"
        assert "kiosk" in hero["explain"]["summary"]


def test_excluding_rule_keeps_a_variant_away_from_matching_visitors(client):
    desktop = Counter(decide(client, ["hero"], context={"device": "desktop"})[0]["variant"] for _ in range(150))
    mobile = Counter(decide(client, ["hero"], context={"device": "mobile"})[0]["variant"] for _ in range(150))
    assert desktop["app"] == 0
    assert mobile["app"] > 0  # untrained: each of 4 variants has ~1/4; P(no app in 150) < 1e-18


def test_personalization_off_uses_nothing_about_the_visitor(app, client):
    visitor = new_id()
    answers = [decide(client, ["hero", "recs"], visitor=visitor, context={"device": "mobile"}, personalization=False)
               for _ in range(20)]
    for hero, recs in answers:  # exploring or not, the visitor is told the choice used nothing about them
        assert hero["explain"]["reason"] == recs["explain"]["reason"] == "personalization_off"
        assert hero["explain"]["factors"] == [] and "uses nothing about you" in hero["explain"]["summary"]
    app.settle()
    ids = [d["decision_id"] for answer in answers for d in answer]
    with app.runtime.event_log.cursor() as cursor:
        logged = cursor.execute("SELECT context, reason FROM decisions WHERE decision_id IN (SELECT unnest(?))",
                                [ids]).fetchall()
    assert logged == [("{}", "personalization_off")] * len(ids)  # nor is anything about them logged or learned


def test_holdout_visitors_always_get_the_default_and_about_half_are_held_out(client):
    held = 0
    for _ in range(300):
        visitor = new_id()
        first = decide(client, ["hero"], site="pk_holdout", visitor=visitor)[0]
        if first["explain"]["reason"] == "holdout":
            held += 1
            again = [decide(client, ["hero"], site="pk_holdout", visitor=visitor)[0] for _ in range(3)]
            assert all(d["variant"] == "classic" and d["explain"]["reason"] == "holdout" for d in again)
    assert 0.38 < held / 300 < 0.62  # holdout_share 0.5; ±0.12 is > 4 standard deviations at n=300


def test_openapi_document_describes_the_wire_contract(client):
    schema = client.get("/schema/openapi.json").json()
    assert {"/v1/decide", "/v1/events", "/healthz"} <= set(schema["paths"])
    assert "DecideRequest" in str(schema["components"]["schemas"])
