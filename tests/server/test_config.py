"""Config as code: the demo loads, and every mistake is reported with the key that holds it."""

from __future__ import annotations

import copy
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from server.config.loader import DEMO_CONFIG, ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
DEMO = tomllib.loads(DEMO_CONFIG.read_text(encoding="utf-8"))


def demo() -> dict:
    return copy.deepcopy(DEMO)


def error_of(raw: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    return str(caught.value)


def test_the_demo_configuration_loads():
    config = load_config()
    [site] = config.sites
    assert site.key == "pk_demo"
    assert [b.id for b in site.blocks] == ["hero", "recs", "banner"]
    assert [b.policy for b in site.blocks] == ["contextual", "thompson", "fixed"]
    hero = site.blocks[0]
    assert hero.fallback == "classic" and [v.id for v in hero.variants] == ["classic", "deal", "story", "app"]
    assert hero.rules[0].exclude == ["app"] and hero.rules[0].when == {"device": "desktop"}
    assert site.reward_window == 600 and site.holdout_share == 0.05


def test_a_config_file_on_disk_loads_the_same(tmp_path):
    path = tmp_path / "attune.toml"
    path.write_text(DEMO_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_config(path) == load_config()


def test_a_missing_or_broken_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"missing\.toml: file not found"):
        load_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[sites]\nkey = ", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML"):
        load_config(broken)


def at(raw: dict, *path):
    """The table at a path of keys and indexes, e.g. at(raw, "sites", 0, "blocks", 1)."""
    for step in path:
        raw = raw[step]
    return raw


@pytest.mark.parametrize(("change", "key", "problem"), [
    (lambda r: at(r, "sites", 0).update(reward_window="ten"), "sites[0].reward_window", "Expected `int`, got `str`"),
    (lambda r: at(r, "sites", 0).update(holdout_share=0.7), "sites[0].holdout_share", "<= 0.5"),
    (lambda r: at(r, "sites", 0).update(holdout_share=-0.1), "sites[0].holdout_share", ">= 0.0"),
    (lambda r: at(r, "sites", 0, "blocks", 1).update(colour="red"), "sites[0].blocks[1]", "unknown field `colour`"),
    (lambda r: at(r, "sites", 0, "blocks", 0).update(policy="greedy"), "sites[0].blocks[0].policy", "Invalid enum"),
    (lambda r: at(r, "sites", 0, "blocks", 0).update(fallback="hero"), "sites[0].blocks[0].fallback",
     "'hero' is not one of the block's variants (classic, deal, story, app)"),
    (lambda r: at(r, "sites", 0, "blocks", 0, "rules", 0).update(exclude=["banner"]), "sites[0].blocks[0].rules[0]",
     "'banner' is not one of the block's variants"),
    (lambda r: at(r, "sites", 0, "blocks", 0, "rules", 0).update(force="app"), "sites[0].blocks[0].rules[0]",
     "exactly one of force, only or exclude"),
    (lambda r: at(r, "sites", 0, "blocks").append(copy.deepcopy(at(r, "sites", 0, "blocks", 0))),
     "sites[0].blocks", "id 'hero' appears twice"),
    (lambda r: at(r, "sites", 0, "blocks", 2).pop("split"), "sites[0].blocks[2].split",
     "a 'fixed' policy needs a split"),
    (lambda r: at(r, "sites", 0, "blocks", 2).update(split={"free-shipping": 1, "coupon": 1}),
     "sites[0].blocks[2].split", "'coupon' is not one of the block's variants"),
    (lambda r: at(r, "sites", 0).update(allowed_origins=["shop.example"]), "sites[0].allowed_origins",
     "'shop.example' is not an origin"),
    (lambda r: at(r, "sites", 0).update(allowed_origins=["https://shop.example/path"]), "sites[0].allowed_origins",
     "is not an origin"),
    (lambda r: at(r, "sites", 0).update(key="demo"), "sites[0].key", "Expected `str` matching"),
])
def test_an_error_names_the_key_and_the_problem(change, key, problem):
    raw = demo()
    change(raw)
    message = error_of(raw)
    assert f": {key}: " in message, message
    assert problem in message, message


def test_an_unknown_top_level_key_is_reported():
    raw = demo()
    raw["site"] = raw["sites"]
    assert "unknown field `site`" in error_of(raw)


SANITISED = """
[[sites]]
key = "pk_shop"

[[sites.blocks]]
id = "recs"
fallback = "picked"

[[sites.blocks.variants]]
id = "picked"

[sites.blocks.variants.content]
title = "<b>kept as text</b>"
html = '''<script>alert(1)</script><p onclick="steal()">Hi <b>there</b></p>
<img src="/a.png" onerror="steal()"><a href="javascript:steal()">x</a>'''
"""


def test_html_content_is_sanitised_on_load(tmp_path):
    path = tmp_path / "attune.toml"
    path.write_text(SANITISED, encoding="utf-8")
    content = load_config(path).sites[0].blocks[0].variants[0].content
    html = content["html"]
    assert "<script" not in html and "alert(1)" not in html
    assert "onclick" not in html and "onerror" not in html and "javascript:" not in html
    assert "<p>Hi <b>there</b></p>" in html and '<img src="/a.png">' in html  # harmless markup stays
    assert content["title"] == "<b>kept as text</b>"  # only `html` is markup; other fields are shown as text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_refuses_a_bad_config_and_names_the_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(DEMO_CONFIG.read_text(encoding="utf-8").replace("holdout_share = 0.05", "holdout_share = 0.9"),
                   encoding="utf-8")
    finished = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--config", str(bad), "--port", str(free_port()),
         "--data-dir", str(tmp_path / "data")],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )
    assert finished.returncode != 0
    assert "sites[0].holdout_share" in finished.stderr and "<= 0.5" in finished.stderr, finished.stderr


def test_config_reward_weights_default_to_and_become_the_learners():
    """One set of defaults: the config's checked Struct takes them from the learner's type and converts back."""
    from online_learning.reward import RewardWeights as Learned
    from server.config.schema import RewardWeights

    assert RewardWeights().for_learning() == Learned()
    assert RewardWeights(click=2.0, default=0.1).for_learning() == Learned(click=2.0, default=0.1)
