"""Results per block: counts from server/admin/reporting/results_query.py, then intervals and verdicts.

Counted as the learner counts (online_learning/join.py), outcome by outcome in
server/storage/rollup.py: only decisions seen within the learner's 30 minutes enter rates and
rewards, and a click, dismissal or rating counts only up to the close of the decision's reward
window, which opens at its first impression, lasts the window logged with the decision, and closes
early at a rating. Time is the server's clock (`received_at`). Rewards use the site's current weights.
Intervals: Wilson for rates, Newcombe for the click-rate lift, a Wilson bound for mean ratings (stats.py);
verdicts read anytime-valid intervals (sequential.py), so reading the page daily does not invent a winner.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from server.admin.reporting.results_filter import ResultsFilter
from server.admin.reporting.results_query import fetch
from server.admin.reporting.scales import rating_scale, reward_scale
from server.admin.reporting.sequential import ALPHA, Verdict, verdict
from server.admin.reporting.stats import Sums, bounded_mean, newcombe, wilson
from server.admin.reporting.summary import Tally, series_of
from server.config.schema import Block, Site


class Interval(Struct):
    low: float
    high: float


class VariantResult(Struct):
    variant: str
    decisions: int
    impressions: int
    clicks: int
    click_rate: float | None
    click_rate_ci: Interval | None  # Wilson, 95%
    ratings: int
    mean_rating: float | None
    mean_rating_ci: Interval | None  # 95%, never outside the rating scale
    reward: float | None  # mean reward per impression
    against_fallback: Verdict | None  # reward per impression minus the fallback's, anytime-valid; None for the fallback


class Lift(Struct):
    personalized_impressions: int
    holdout_impressions: int
    personalized_reward: float | None  # mean reward per impression
    holdout_reward: float | None
    reward: float | None  # mean reward per impression, personalized minus holdout
    reward_ci: Interval | None  # anytime-valid 95%: the interval the verdict reads
    click_rate: float | None
    click_rate_ci: Interval | None  # Newcombe, 95% at this look
    click_rate_sequence: Interval | None  # anytime-valid 95%
    verdict: Verdict  # on reward per impression


class Series(Struct):
    bucket_ms: int
    t: list[int]  # bucket starts, ms since the epoch
    impressions: dict[str, list[int]]  # per variant
    click_rate: list[float | None]  # all variants
    policy_reward: list[float | None]  # mean reward of personalized impressions in the bucket
    uniform_reward: list[float | None]  # what uniform random choice would have earned (IPS estimate)


class AppliedFilter(Struct):
    first_day: str | None  # YYYY-MM-DD, UTC, inclusive
    last_day: str | None
    segment: str | None  # field=value
    read_from: str  # "rollup" (fast, finished decisions folded per minute) or "log" (a segment: the raw log)


class PolicyEstimate(Struct):
    policy: str  # "as logged", "uniform", "always <variant>", "current policy, greedy"
    estimate: float | None  # mean reward per decision, doubly robust (None: cannot be estimated)
    interval: Interval | None  # its 95% interval
    ips: float | None
    snips: float | None
    effective_decisions: float | None  # (sum of weights)^2 / sum of squared weights: how many decisions it is worth
    notes: list[str]


class OffPolicy(Struct):
    """`attune evaluate`'s figures for this block, from the background evaluator (server/evaluate/background.py)."""

    state: Literal["computing", "ready", "failed"]  # computing: no evaluation has finished since the server started
    days: int  # decisions of this many days before computed_at, whatever the filter
    since: int | None  # ms since the epoch
    computed_at: int | None
    took_ms: int | None  # how long the site's evaluation took
    decisions: int  # learned decisions the estimates rest on
    left_out: int  # holdout and disabled-block decisions: the fallback was shown whatever a policy said
    policies: list[PolicyEstimate]  # "as logged" first
    notes: list[str]
    failure: str | None  # why the last run failed, until one succeeds


class BlockResults(Struct):
    site: str
    block: str
    policy: str
    decisions: int
    variants: list[VariantResult]
    lift: Lift
    explored_share: float | None  # of personalized decisions
    series: Series
    reward_scale: Interval  # the least and greatest reward one impression can earn at the site's weights
    rating_scale: Interval
    filter: AppliedFilter
    off_policy: OffPolicy | None = None  # None: no background evaluator (results read without a server)


def block_results(cursor, *, site: Site, block: Block, window: ResultsFilter | None = None) -> BlockResults:
    window = window or ResultsFilter()
    rows, bucket = fetch(cursor, site=site, block=block, window=window)
    tally = Tally.of(rows)
    scale = reward_scale(site.reward_weights.for_learning())
    ratings = rating_scale(block.feedback, tally.lowest_rating, tally.highest_rating)
    names = [v.id for v in block.variants]
    names += sorted(set(tally.variants) - set(names))  # variants since removed still show
    alpha = ALPHA / max(1, len(names) - 1)  # one comparison per variant against the fallback: Bonferroni
    fallback = tally.group(block.fallback)
    variants = [_variant(name, tally.group(name), fallback if name != block.fallback else None,
                         scale, ratings, alpha) for name in names]
    p, h = tally.personalized, tally.holdout
    found = verdict(p.reward, h.reward, scale=scale, b_share=site.holdout_share)
    clicks = newcombe((p.clicks, p.impressions), (h.clicks, h.impressions))
    click_sequence = verdict(p.click_sums, h.click_sums, scale=(0.0, 1.0), b_share=site.holdout_share)
    return BlockResults(
        site=site.key, block=block.id, policy=block.policy, decisions=tally.decisions, variants=variants,
        explored_share=tally.explored / tally.personalized_decisions if tally.personalized_decisions else None,
        series=Series(bucket_ms=bucket, **series_of(tally, bucket)),
        lift=Lift(personalized_impressions=p.impressions, holdout_impressions=h.impressions,
                  personalized_reward=_mean(p.reward), holdout_reward=_mean(h.reward),
                  reward=found.estimate, reward_ci=_between(found.low, found.high),
                  click_rate=clicks[0] if clicks else None, click_rate_ci=_between(*clicks[1]) if clicks else None,
                  click_rate_sequence=_between(click_sequence.low, click_sequence.high), verdict=found),
        reward_scale=Interval(*scale), rating_scale=Interval(*ratings),
        filter=_applied(window),
    )


def _applied(window: ResultsFilter) -> AppliedFilter:
    shown = window.query()
    return AppliedFilter(first_day=shown["from"] or None, last_day=shown["to"] or None,
                         segment=shown["segment"] or None, read_from="log" if window.segment else "rollup")


def _variant(name, group, fallback, scale, ratings, alpha) -> VariantResult:
    rated = bounded_mean(group.rating_total, group.ratings, ratings)
    against = verdict(group.reward, fallback.reward, scale=scale, alpha=alpha) if fallback else None
    return VariantResult(
        variant=name, decisions=group.decisions, impressions=group.impressions, clicks=group.clicks,
        click_rate=group.clicks / group.impressions if group.impressions else None,
        click_rate_ci=_between(*wilson(group.clicks, group.impressions) or (None, None)),
        ratings=group.ratings, mean_rating=rated[0] if rated else None,
        mean_rating_ci=_between(*rated[1]) if rated else None,
        reward=_mean(group.reward), against_fallback=against)


def _between(low: float | None, high: float | None) -> Interval | None:
    return None if low is None or high is None else Interval(low, high)


def _mean(sums: Sums) -> float | None:
    return sums.total / sums.n if sums.n else None
