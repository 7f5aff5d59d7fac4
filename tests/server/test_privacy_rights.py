"""A visitor's data rights, end to end through decide and events: export, erasure, and the preference center's
profile with its ratings, what each changed, and undo (which outlives a restart)."""

from __future__ import annotations

import re

import pytest

from tests.support.inprocess import attune
from tests.support.privacy import PRIVACY_CONFIG, SITE, decide, hashed, new_id, post, rate, tables_holding

EMPTY_PROFILE = {"interests": [], "traits": {}, "ratings": [], "consents": [], "profile_traits": []}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with attune(tmp_path_factory.mktemp("rights") / "data", config=PRIVACY_CONFIG, privacy_per_minute=0) as running:
        yield running


@pytest.fixture
def client(app):
    return app.client


def visit(client, visitor: str, *, plan: str) -> tuple[set[str], set[str]]:
    """A visitor's page view: decisions on two blocks, both seen, the hero rated down. Their ids and event ids."""
    hero, tips = decide(client, ["hero", "tips"], visitor=visitor, traits={"plan": plan})["decisions"]
    events = set(rate(client, visitor=visitor, decision_id=hero["decision_id"], value=-1))
    seen = {"id": new_id(), "type": "impression", "decision_id": tips["decision_id"]}
    post(client, "/v1/events", {"site": SITE, "visitor": visitor, "events": [seen]}, status=202)
    return {hero["decision_id"], tips["decision_id"]}, events | {seen["id"]}


def test_export_holds_exactly_that_visitors_rows(app, client):
    alice, bob = new_id(), new_id()
    alice_decisions, alice_events = visit(client, alice, plan="pro")
    bob_decisions, bob_events = visit(client, bob, plan="free")
    more_decisions, more_events = visit(client, alice, plan="team")
    post(client, "/v1/visitor/interests", {"site": SITE, "visitor": alice, "interests": ["tea"]})
    answers = [{"id": new_id(), "type": "survey_answer", "survey": "nps", "question": "why", "text": f"<b>{who}</b>"}
               for who in ("alice", "bob")]
    post(client, "/v1/events", {"site": SITE, "visitor": alice, "events": answers[:1]}, status=202)
    post(client, "/v1/events", {"site": SITE, "visitor": bob, "events": answers[1:]}, status=202)
    post(client, "/v1/consent", {"site": SITE, "visitor": alice, "source": "banner", "policy_version": "1",
                                 "categories": {"personalization": True, "feedback": True, "measurement": True}},
         status=202)
    export = post(client, "/v1/visitor/export", {"site": SITE, "visitor": alice})
    assert {d["decision_id"] for d in export["decisions"]} == alice_decisions | more_decisions
    assert {e["id"] for e in export["events"]} == alice_events | more_events | {answers[0]["id"]}
    assert {d["visitor"] for d in export["decisions"]} == {hashed(app.runtime, alice)}
    assert not {d["decision_id"] for d in export["decisions"]} & bob_decisions
    assert not {e["id"] for e in export["events"]} & bob_events
    assert export["traits"] == {"plan": "team", "interest_tea": True}  # the latest value of each
    assert export["interests"] == ["tea"] and len(export["consents"]) == 1
    assert len(export["ratings"]) == 2 and all(r["value"] == -1 for r in export["ratings"])
    rated = {r["variant"] for r in export["ratings"]}
    assert {(s["block"], s["variant"]) for s in export["suppressions"]} == {("hero", v) for v in rated}
    assert [(a["survey"], a["text"]) for a in export["survey_answers"]] == [("nps", "<b>alice</b>")]
    with app.runtime.event_log.cursor() as cursor:
        kinds = cursor.execute("SELECT kind FROM privacy_requests WHERE site = ?", [SITE]).fetchall()
    assert ("export",) in kinds


def test_an_unknown_visitor_gets_the_same_shape_with_nothing_in_it(client):
    stranger = {"site": SITE, "visitor": new_id()}
    assert post(client, "/v1/visitor/profile", stranger) == EMPTY_PROFILE
    export = post(client, "/v1/visitor/export", stranger)
    assert [export[k] for k in ("decisions", "events", "ratings", "suppressions", "consents", "interests")] == [[]] * 6
    erased = post(client, "/v1/visitor/erase", stranger)
    assert erased["deleted"] == {"decisions": 0, "events": 0, "consents": 0, "interests": 0, "suppressions": 0}
    assert len(erased["receipt"]) == 32  # a receipt all the same: nothing tells whether the id was ever seen
    undone = post(client, "/v1/visitor/ratings/undo", {**stranger, "decision_id": "0123456789abcdef0123456789abcdef"})
    assert undone == {"undone": 0}


def test_erasure_leaves_no_row_with_the_hash_and_the_next_decide_treats_the_visitor_as_new(app, client):
    visitor = new_id()
    rated_down = set()
    for _ in range(3):
        (tips,) = decide(client, ["tips"], visitor=visitor)["decisions"]
        if tips["variant"] not in rated_down:
            rate(client, visitor=visitor, decision_id=tips["decision_id"], value=-1)
            rated_down.add(tips["variant"])
    post(client, "/v1/visitor/interests", {"site": SITE, "visitor": visitor, "interests": ["running", "tea"]})
    post(client, "/v1/events", {"site": SITE, "visitor": visitor, "events": [
        {"id": new_id(), "type": "survey_answer", "survey": "nps", "question": "why", "text": "mine"}]}, status=202)
    post(client, "/v1/consent", {"site": SITE, "visitor": visitor, "source": "api", "policy_version": "1",
                                 "categories": {"personalization": True, "feedback": True, "measurement": False}},
         status=202)
    app.settle()
    hash_ = hashed(app.runtime, visitor)
    assert set(tables_holding(app, hash_)) == {"decisions", "events", "consent_receipts", "visitor_interests"}
    erased = post(client, "/v1/visitor/erase", {"site": SITE, "visitor": visitor})
    assert erased["deleted"] == {"decisions": 3, "events": 2 * len(rated_down) + 1, "consents": 1, "interests": 2,
                                 "suppressions": len(rated_down)}
    assert tables_holding(app, hash_) == {}
    with app.runtime.event_log.cursor() as cursor:
        receipt = cursor.execute("SELECT site, decisions, events, suppressions FROM erasure_receipts WHERE receipt = ?",
                                 [erased["receipt"]]).fetchall()
        kinds = cursor.execute("SELECT kind FROM privacy_requests WHERE site = ?", [SITE]).fetchall()
    assert receipt == [(SITE, 3, 2 * len(rated_down) + 1, len(rated_down))] and ("erase",) in kinds
    assert post(client, "/v1/visitor/profile", {"site": SITE, "visitor": visitor}) == EMPTY_PROFILE
    seen = {decide(client, ["tips"], visitor=visitor)["decisions"][0]["variant"] for _ in range(60)}
    assert rated_down <= seen  # uniform over 3: P(a variant missing from 60) < 1e-10
    (hero,) = decide(client, ["hero"], visitor=visitor)["decisions"]
    app.settle()
    with app.runtime.event_log.cursor() as cursor:
        (context,) = cursor.execute("SELECT context FROM decisions WHERE decision_id = ?",
                                    [hero["decision_id"]]).fetchone()
    assert context == "{}"  # the interests went with the rest: nothing about the visitor is left to use


def test_the_profile_says_in_plain_words_what_each_rating_changed(app, client):
    visitor = new_id()
    (tips,) = decide(client, ["tips"], visitor=visitor)["decisions"]
    rate(client, visitor=visitor, decision_id=tips["decision_id"], value=-1)
    (recs,) = decide(client, ["recs"], visitor=visitor)["decisions"]
    rate(client, visitor=visitor, decision_id=recs["decision_id"], value=5)
    app.settle()
    down, up = post(client, "/v1/visitor/profile", {"site": SITE, "visitor": visitor})["ratings"]
    assert (down["block"], down["variant"], down["hidden"]) == ("tips", tips["variant"], True)
    assert down["effect"].startswith(f"Since you rated “{tips['variant']}” down on ")
    assert down["effect"].endswith(" it is hidden for you.")
    assert (up["feedback"], up["value"], up["hidden"]) == ("stars", 5, False)
    # a uniform split does not learn: the rating is counted and the page honestly has not changed
    assert up["effect"] == "Your rating is counted; what you see has not changed yet."


def test_undo_shows_the_hidden_variant_again_and_survives_a_restart(tmp_path):
    visitor, data = new_id(), tmp_path / "data"
    with attune(data, config=PRIVACY_CONFIG, privacy_per_minute=0) as app:
        decisions = {}
        while len(decisions) < 2:  # two of the three tips, each rated down
            (tips,) = decide(app.client, ["tips"], visitor=visitor)["decisions"]
            if tips["variant"] not in decisions:
                decisions[tips["variant"]] = tips["decision_id"]
                rate(app.client, visitor=visitor, decision_id=tips["decision_id"], value=-1)
        app.settle()
        undone_variant, kept_variant = decisions
        variants = {decide(app.client, ["tips"], visitor=visitor)["decisions"][0]["variant"] for _ in range(20)}
        assert variants == {"t1", "t2", "t3"} - {undone_variant, kept_variant}
        undone = post(app.client, "/v1/visitor/ratings/undo",
                      {"site": SITE, "visitor": visitor, "decision_id": decisions[undone_variant]})
        assert undone == {"undone": 1}
        shown = [r["variant"] for r in post(app.client, "/v1/visitor/profile",
                                             {"site": SITE, "visitor": visitor})["ratings"]]
        assert shown == [kept_variant]
        variants = {decide(app.client, ["tips"], visitor=visitor)["decisions"][0]["variant"] for _ in range(60)}
        assert undone_variant in variants and kept_variant not in variants  # P(missing in 60 at 1/2) < 1e-18
    with attune(data, config=PRIVACY_CONFIG, privacy_per_minute=0) as restarted:  # suppressions rebuilt from the log
        variants = {decide(restarted.client, ["tips"], visitor=visitor)["decisions"][0]["variant"] for _ in range(60)}
        assert undone_variant in variants and kept_variant not in variants


def test_undo_keeps_a_variant_hidden_while_another_rating_still_rates_it_down(app, client):
    visitor, by_variant = new_id(), {}
    while not any(len(ids) == 2 for ids in by_variant.values()):  # two decisions that showed the same variant
        (tips,) = decide(client, ["tips"], visitor=visitor)["decisions"]
        by_variant.setdefault(tips["variant"], []).append(tips["decision_id"])
    variant, (first, second) = next((v, ids) for v, ids in by_variant.items() if len(ids) == 2)
    rate(client, visitor=visitor, decision_id=first, value=-1)
    rate(client, visitor=visitor, decision_id=second, value=-1)
    app.settle()
    assert post(client, "/v1/visitor/ratings/undo", {"site": SITE, "visitor": visitor, "decision_id": first}) == {
        "undone": 1}
    variants = {decide(client, ["tips"], visitor=visitor)["decisions"][0]["variant"] for _ in range(30)}
    assert variant not in variants


def test_another_visitor_cannot_undo_a_rating(app, client):
    visitor = new_id()
    (tips,) = decide(client, ["tips"], visitor=visitor)["decisions"]
    rate(client, visitor=visitor, decision_id=tips["decision_id"], value=-1)
    app.settle()
    undone = post(client, "/v1/visitor/ratings/undo",
                  {"site": SITE, "visitor": new_id(), "decision_id": tips["decision_id"]})
    assert undone == {"undone": 0}
    assert post(client, "/v1/visitor/profile", {"site": SITE, "visitor": visitor})["ratings"][0]["hidden"] is True


def test_a_thumbs_up_that_moved_the_policy_says_how_often_the_variant_is_shown_now(tmp_path):
    with attune(tmp_path / "data", config=PRIVACY_CONFIG, privacy_per_minute=0) as app:
        visitor = new_id()
        (hero,) = decide(app.client, ["hero"], visitor=visitor, traits={"plan": "pro"})["decisions"]
        liked = hero["variant"]
        rate(app.client, visitor=visitor, decision_id=hero["decision_id"], value=1)
        for _ in range(40):  # visitors like them agree: the liked variant up, every other down
            (other,) = decide(app.client, ["hero"], visitor=new_id(), traits={"plan": "pro"})["decisions"]
            value = 1 if other["variant"] == liked else -1
            rate(app.client, visitor=None, decision_id=other["decision_id"], value=value)
        app.refreshed()
        (rating,) = post(app.client, "/v1/visitor/profile", {"site": SITE, "visitor": visitor})["ratings"]
    said = re.fullmatch(r"After your rating, visitors like you see “(.+)” more often: (\d+)% of choices now\.",
                        rating["effect"])
    assert said, rating["effect"]
    assert said[1] == liked and int(said[2]) > round(hero["propensity"] * 100)


def test_erasing_the_last_rows_of_the_log_keeps_its_position_for_the_learner(tmp_path):
    visitor, data = new_id(), tmp_path / "data"
    with attune(data, config=PRIVACY_CONFIG, privacy_per_minute=0) as app:
        (tips,) = decide(app.client, ["tips"], visitor=visitor)["decisions"]
        rate(app.client, visitor=visitor, decision_id=tips["decision_id"], value=-1)
        app.settle()
        end = app.runtime.event_log.max_seq()
        assert post(app.client, "/v1/visitor/erase", {"site": SITE, "visitor": visitor})["deleted"]["events"] == 2
    with attune(data, config=PRIVACY_CONFIG, privacy_per_minute=0) as again:
        assert not (data / "learner.snapshot.unreadable").exists()  # the snapshot still fits the log
        (after,) = decide(again.client, ["tips"], visitor=new_id())["decisions"]
        again.settle()
        with again.runtime.event_log.cursor() as cursor:
            (seq,) = cursor.execute("SELECT seq FROM decisions WHERE decision_id = ?",
                                    [after["decision_id"]]).fetchone()
        assert seq > end  # a new row never takes a position the learner already counts as learned
        assert again.runtime.learner.learner.last_seq == seq


def test_a_first_page_rating_hides_for_the_rater_survives_a_restart_and_can_be_undone(tmp_path):
    """A new visitor's first decision goes out before their id exists (GPC could still be in the answer);
    their rating of it, sent with the id, is theirs: it hides the variant, shows in the profile, and undoes."""
    visitor, data = new_id(), tmp_path / "data"
    with attune(data, config=PRIVACY_CONFIG, privacy_per_minute=0) as app:
        (tips,) = decide(app.client, ["tips"], visitor=None)["decisions"]
        rate(app.client, visitor=visitor, decision_id=tips["decision_id"], value=-1)
        app.settle()
        assert tips["variant"] not in {decide(app.client, ["tips"], visitor=visitor)["decisions"][0]["variant"]
                                       for _ in range(30)}
    with attune(data, config=PRIVACY_CONFIG, privacy_per_minute=0) as restarted:
        client = restarted.client
        assert tips["variant"] not in {decide(client, ["tips"], visitor=visitor)["decisions"][0]["variant"]
                                       for _ in range(30)}
        (rating,) = post(client, "/v1/visitor/profile", {"site": SITE, "visitor": visitor})["ratings"]
        assert (rating["variant"], rating["hidden"]) == (tips["variant"], True)
        assert post(client, "/v1/visitor/ratings/undo",
                    {"site": SITE, "visitor": visitor, "decision_id": tips["decision_id"]}) == {"undone": 1}
        shown = {decide(client, ["tips"], visitor=visitor)["decisions"][0]["variant"] for _ in range(60)}
        assert tips["variant"] in shown  # P(missing in 60 draws of 3) < 1e-10
