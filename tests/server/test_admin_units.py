"""The admin's small parts on their own: intervals, the sign-in limiter, the sanitiser's report, live apply."""

from __future__ import annotations

import doctest

import msgspec

from server.admin import stats
from server.admin.limiter import LoginLimiter
from server.admin.sanitise import clean
from server.config.loader import load_config
from server.sites import SiteRegistry


def test_interval_examples_hold():
    assert doctest.testmod(stats).failed == 0


def test_intervals_cover_the_estimate_and_shrink_with_data():
    small, large = stats.wilson(5, 50), stats.wilson(500, 5000)
    assert small[0] < 0.1 < small[1] and large[0] < 0.1 < large[1]
    assert large[1] - large[0] < (small[1] - small[0]) / 3  # ~sqrt(100) narrower
    assert stats.wilson(0, 0) is None and stats.wilson(0, 10)[0] == 0.0
    lift, (low, high) = stats.difference((60.0, 60.0, 100), (40.0, 40.0, 100))  # 0/1 rewards: squares = sums
    assert round(lift, 3) == 0.2 and low < 0.2 < high and low > 0.06


def test_the_limiter_refuses_after_five_failures_until_the_oldest_ages_out():
    now = [0.0]
    limiter = LoginLimiter(clock=lambda: now[0])
    for second in range(5):
        now[0] = float(second)
        assert limiter.retry_after(address="1.2.3.4", name="ann") == 0
        limiter.failed(address="1.2.3.4", name="ann")
    assert limiter.retry_after(address="1.2.3.4", name="ann") == 296  # the first failure ages out at 300 s
    assert limiter.retry_after(address="1.2.3.4", name="bob") == 0  # another name from the address: allowed
    now[0] = 300.5
    assert limiter.retry_after(address="1.2.3.4", name="ann") == 0


def test_the_sanitiser_says_what_it_removed():
    cleaned, removed = clean('<p onclick="x()">Hi</p><script>alert(1)</script><img src="a.png" onerror="y()">')
    assert cleaned == '<p>Hi</p><img src="a.png">'
    assert removed == ["<script> element", 'onclick="x()" on <p>', 'onerror="y()" on <img>']
    assert clean("<b>fine</b>") == ("<b>fine</b>", [])


def test_applying_a_config_keeps_learned_policies_whose_kind_is_unchanged():
    config = load_config()
    registry = SiteRegistry(config)
    before = dict(registry.policies)
    edited = msgspec.convert(msgspec.to_builtins(config), type(config))
    edited.sites[0].blocks[0].enabled = False  # hero: same policy kind
    edited.sites[0].blocks[1].policy = "uniform"  # recs: a new kind starts afresh
    edited.sites[0].blocks[0].variants[1].content = {"title": "New"}
    registry.apply(edited)
    assert registry.policies["pk_demo/hero"] is before["pk_demo/hero"]
    assert registry.policies["pk_demo/recs"] is not before["pk_demo/recs"]
    assert registry.policies["pk_demo/recs"].kind == "uniform"
    assert registry.block("pk_demo", "hero").enabled is False
    assert registry.content("pk_demo", "hero", "deal") == {"title": "New"}
