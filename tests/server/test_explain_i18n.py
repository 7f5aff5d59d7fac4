"""Explanations as codes plus values: each factor as field/value pairs, nothing said twice, the site's labels.

An Attune of its own learns, from clicks, that first-time phone visitors want `story`; its explanations are
then read as the widget and the admin read them.
"""

from __future__ import annotations

from collections import Counter

import msgspec
import pytest

from server.decide import explain
from online_learning.features import describe_feature
from server.decide.schemas import Explain
from tests.server.conftest import decide, new_id, send
from tests.support.inprocess import attune

CONFIG = """
[[sites]]
key = "pk_words"
reward_window = 1
holdout_share = 0.0

[sites.explain_labels]
"referrer=direct" = "you typed our address"

[[sites.blocks]]
id = "hero"
sticky = "none"
policy = "contextual"
fallback = "classic"
variants = [{ id = "classic" }, { id = "story" }]
"""
VISITOR = {"device": "mobile", "referrer": "direct", "returning": False}
OTHER = {**VISITOR, "referrer": "search"}  # who click `classic`: where a visitor came from is what tells them apart


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    """After 300 first-time phone visits, those typing the address clicking `story`, those from search `classic`:
    the model's answers to 100 more who typed it."""
    directory = tmp_path_factory.mktemp("explain")
    (directory / "attune.toml").write_text(CONFIG)
    with attune(directory / "data", config=directory / "attune.toml") as app:
        for _ in range(6):
            events = []
            for context, wanted in [(VISITOR, "story"), (OTHER, "classic")] * 25:
                (hero,) = decide(app.client, ["hero"], site="pk_words", visitor=new_id(), context=context)
                events.append({"id": new_id(), "type": "impression", "decision_id": hero["decision_id"]})
                if hero["variant"] == wanted:
                    events.append({"id": new_id(), "type": "click", "decision_id": hero["decision_id"]})
            send(app.client, events, site="pk_words")
        app.pass_time(1.5)  # every reward window closes
        app.refreshed()
        answers = [decide(app.client, ["hero"], site="pk_words", visitor=new_id(), context=VISITOR)[0]
                   for _ in range(100)]
        chosen = [hero["explain"] for hero in answers if hero["explain"]["reason"] == "model"]
        assert len(chosen) >= 50, Counter(hero["explain"]["reason"] for hero in answers)  # 96-100 in test_events_api
        yield app, chosen


def test_each_factor_is_its_field_value_pairs(learned):
    _, chosen = learned
    for why in chosen:
        for factor in why["factors"]:
            pairs = [f"{f['field']}={f['value']}" for f in factor["fields"]]
            assert factor["feature"] == "bias" and pairs == [] or "&".join(pairs) == factor["feature"], factor
            assert all(f["field"] in VISITOR for f in factor["fields"])
    assert any(f["fields"] for why in chosen for f in why["factors"]), "only the bias was ever listed"


def test_no_field_value_is_said_twice(learned):
    _, chosen = learned
    for why in chosen:
        said = [f"{f['field']}={f['value']}" for factor in why["factors"] for f in factor["fields"]]
        assert len(said) == len(set(said)), why
        summary = why["summary"]
        for phrase in ("you are on a phone", "this is your first visit", "you came straight to this site"):
            assert summary.count(phrase) <= 1, summary


def test_the_english_summary_says_values_in_words_never_raw(learned):
    _, chosen = learned
    for why in chosen:
        summary = why["summary"]
        assert "mobile" not in summary and "from direct" not in summary and "returning" not in summary, summary
        assert summary.startswith("Chosen because") and ";" not in summary
    assert any("you typed our address" in why["summary"] for why in chosen)  # the site's words, not "from direct"
    assert "you came straight to this site" in describe_feature("referrer=direct")  # the words without a label


def test_the_sites_label_map_names_a_value_in_its_own_words(learned):
    app, chosen = learned
    site = app.runtime.sites.site("pk_words")
    assert site.explain_labels == {"referrer=direct": "you typed our address"}
    with_direct = [msgspec.convert(why, Explain) for why in chosen
                   if any(f["value"] == "direct" for factor in why["factors"] for f in factor["fields"])]
    assert with_direct, "no explanation named where the visitor came from"
    for worded in with_direct:  # as decide answered: already in the site's words
        fields = [f for factor in worded.factors for f in factor.fields if f.field == "referrer"]
        assert [f.label for f in fields] == ["you typed our address"]  # for the widget, in the site's words
        assert "you typed our address" in worded.summary and "straight to this site" not in worded.summary


def test_a_pair_takes_in_the_singles_it_repeats():
    contributions = [("device=mobile", 0.3), ("returning=false", 0.2), ("device=mobile&returning=false", 0.1),
                     ("referrer=direct", 0.05), ("device=mobile&referrer=direct", 0.04)]
    why = explain.for_choice(policy="contextual", explored=False, personalized=True, contributions=contributions,
                             rule=None, labels={"referrer=direct": "you typed our address"})
    assert [f.feature for f in why.factors] == ["device=mobile&returning=false", "referrer=direct"]
    assert [[(f.field, f.value, f.label) for f in factor.fields] for factor in why.factors] == [
        [("device", "mobile", None), ("returning", "false", None)], [("referrer", "direct", "you typed our address")]]
    assert why.summary == ("Chosen because you are on a phone and this is your first visit, and you typed our "
                           "address: visitors like you responded to it most.")


def test_a_site_label_must_name_a_field_and_a_value(tmp_path):
    bad = CONFIG.replace('"referrer=direct" =', '"direct" =')
    (tmp_path / "attune.toml").write_text(bad)
    with pytest.raises(Exception, match="explain_labels"):
        with attune(tmp_path / "data", config=tmp_path / "attune.toml"):
            pass


def test_the_widget_says_each_value_as_the_server_does_in_english():
    """The chunk's English phrases (widget/src/ui/texts.ts) and the server's are the same words."""
    from online_learning.features import VALUE_PHRASES
    from tests.support.server import ROOT

    widget = (ROOT / "widget" / "src" / "ui" / "texts.ts").read_text(encoding="utf-8")
    for key, phrase in VALUE_PHRASES.items():
        assert f'"{key}": "{phrase}"' in widget, key
