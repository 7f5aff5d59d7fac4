"""The admin's small parts on their own: intervals, the sign-in limiter, the sanitiser's report, live apply,
results counted inside the reward window."""

from __future__ import annotations

import doctest

import msgspec

from online_learning.learner import OnlineLearner
from server.admin.accounts.limiter import LoginLimiter
from server.admin.editing.sanitise import clean
from server.admin.reporting import stats
from server.admin.reporting.results import block_results
from server.config.loader import load_config
from server.learner.learn import learn_row
from server.sites import SiteRegistry
from server.storage.event_log import EventLog
from server.storage.rows import DecisionRow, EventRow
from tests.server.conftest import TEST_CONFIG


def test_interval_examples_hold():
    documented = {test.name.rsplit(".", 1)[-1] for test in doctest.DocTestFinder().find(stats) if test.examples}
    assert {"wilson", "mean_interval"} <= documented  # the intervals the results page shows, each with its numbers
    outcome = doctest.testmod(stats)
    assert outcome.attempted >= 3 and outcome.failed == 0  # zero examples run is a failure, not a pass


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


def _decision(decision_id: str, *, at: int, window_ms: int = 1000, summary: str | None = None) -> DecisionRow:
    return DecisionRow(decision_id=decision_id, site="pk_test", block="hero", variant="deal",
                       candidates=["classic", "deal", "story", "app"], propensity=0.25, policy="contextual",
                       policy_version=0, context="{}", explored=False, holdout=False, reason="model", summary=summary,
                       visitor=None, window_ms=window_ms, feedback="thumbs", decided_at=at)


def _event(decision_id: str, kind: str, at: int, value: float | None = None) -> EventRow:
    return EventRow(id=f"{decision_id}-{kind}-{at}", site="pk_test", visitor=None, type=kind, decision_id=decision_id,
                    value=value, ts=None, received_at=at)


def test_results_count_responses_only_inside_the_reward_window_as_the_learner_does(tmp_path):
    """A window of 1 s opens at the first impression (within 30 minutes) and closes early at a rating; the learner
    agrees."""
    cases = {  # decision: (events as (type, ms after the decision, value), clicked?, rated?)
        "in-time": ([("impression", 100, None), ("click", 1_050, None)], True, False),
        "late-click": ([("impression", 100, None), ("click", 1_200, None)], False, False),
        "click-as-it-closes": ([("impression", 100, None), ("click", 1_100, None)], True, False),
        "click-before-impression": ([("click", 50, None), ("impression", 100, None)], True, False),
        "window-from-the-impression": ([("impression", 5_000, None), ("click", 5_900, None)], True, False),
        "rating-closes-it": ([("impression", 100, None), ("rating", 200, 1.0), ("click", 300, None)], False, True),
        "late-rating": ([("impression", 100, None), ("rating", 1_500, -1.0)], False, False),
        "never-seen": ([("click", 100, None)], False, False),
        "seen-too-late": ([("impression", 31 * 60_000, None), ("click", 31 * 60_000 + 10, None)], False, False),
    }
    log = EventLog(tmp_path / "attune.duckdb")
    start = 1_000_000
    decisions = [_decision(d, at=start) for d in cases]
    events = sorted((_event(d, kind, start + after, value) for d, (evs, _, _) in cases.items()
                     for kind, after, value in evs), key=lambda e: e.received_at)
    for seq, row in enumerate([*decisions, *events], start=1):
        row.seq = seq
    log.append(log.cursor(), decisions, events)
    config = load_config(TEST_CONFIG)
    results = block_results(log.cursor(), site=config.sites[0], block=config.sites[0].blocks[0])
    (deal,) = [v for v in results.variants if v.variant == "deal"]
    assert deal.decisions == len(cases) and deal.impressions == len(cases) - 2  # "never-seen", "seen-too-late"
    assert deal.clicks == sum(clicked for _, clicked, _ in cases.values()) == 4
    assert deal.ratings == sum(rated for _, _, rated in cases.values()) == 1 and deal.mean_rating == 1.0

    learned = []  # the same log through the learner's path, time passing as logged
    sites = SiteRegistry(config)
    learner = OnlineLearner(policy_for=sites.policy_for, weights_for=sites.weights_for,
                            on_learn=lambda decision, earned: learned.append(decision))
    for row in log.rows_since(0):
        learn_row(learner, row)
    learner.advance(start + 3_600_000)
    assert {d.decision_id for d in learned if d.outcome.clicked} == {d for d, (_, c, _) in cases.items() if c}
    assert {d.decision_id for d in learned if d.outcome.thumbs} == {d for d, (_, _, r) in cases.items() if r}
    log.close()
