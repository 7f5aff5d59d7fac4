"""Results per block, from the event log in DuckDB: one grouped query, the rest is arithmetic.

Counted as the learner counts (online_learning/join.py): only decisions that were seen (an
impression) enter rates and rewards, and a click, dismissal or rating counts only up to the close
of the decision's reward window, which opens at its first impression, lasts the window logged with
the decision, and closes early at a rating. Time is the server's clock (`received_at`). One
difference, for speed: the learner also drops a decision first seen over 30 minutes after it was
made; such (rare) late impressions still count here.
"""

from __future__ import annotations

import math
from collections import defaultdict

from msgspec import Struct

from server.admin.stats import difference, mean_interval, wilson
from server.config.schema import Block, Site

# A bucket size gives the time series at most ~120 points over the span of the log.
BUCKETS_MS = [60_000, 300_000, 900_000, 3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000]

SPAN = "SELECT min(decided_at), max(decided_at) FROM decisions WHERE site = $site AND block = $block"

QUERY = """
WITH responses AS (  -- the few decisions someone responded to: first click, dismissal and rating
    SELECT decision_id, min(received_at) FILTER (WHERE type = 'click') AS clicked_at,
           min(received_at) FILTER (WHERE type = 'dismiss') AS dismissed_at,
           min(received_at) FILTER (WHERE type = 'rating') AS rated_at,
           arg_min(value, received_at) FILTER (WHERE type = 'rating') AS first_rating
    FROM events WHERE site = $site AND type IN ('click', 'dismiss', 'rating') GROUP BY decision_id
), opened AS (  -- when those decisions were first seen: their reward windows open then
    SELECT decision_id, min(received_at) AS seen_at FROM events
    WHERE site = $site AND type = 'impression' AND decision_id IN (SELECT decision_id FROM responses)
    GROUP BY decision_id
), answered AS (
    SELECT * FROM responses JOIN opened USING (decision_id)
), d AS (
    SELECT decision_id, variant, holdout, explored, reason = 'disabled' AS disabled, propensity,
           len(candidates) AS k, feedback, decided_at // $bucket * $bucket AS t,
           decision_id IN (SELECT decision_id FROM events WHERE site = $site AND type = 'impression') AS seen,
           -- the reward window: window_ms from the first impression, or until an earlier rating
           CASE WHEN o.rated_at IS NULL THEN o.seen_at + window_ms
                ELSE least(o.seen_at + window_ms, greatest(o.seen_at, o.rated_at)) END AS closes_at,
           o.clicked_at, o.dismissed_at, o.rated_at, o.first_rating
    FROM decisions LEFT JOIN answered o USING (decision_id)
    WHERE site = $site AND block = $block
), windowed AS (
    SELECT *, coalesce(clicked_at <= closes_at, false) AS clicked,
           coalesce(dismissed_at <= closes_at, false) AS dismissed,
           CASE WHEN rated_at <= closes_at THEN first_rating END AS rating
    FROM d
), r AS (
    SELECT *, CASE WHEN NOT (clicked OR dismissed OR rating IS NOT NULL) THEN $w_default
                   ELSE CASE WHEN clicked THEN $w_click ELSE 0 END + CASE WHEN dismissed THEN $w_dismiss ELSE 0 END
                      + CASE WHEN rating IS NULL THEN 0 WHEN feedback = 'stars' THEN $w_stars * (rating - 3) / 2
                             WHEN rating > 0 THEN $w_up ELSE $w_down END
              END AS reward
    FROM windowed
)
SELECT t, variant, holdout, explored, disabled, count(*) AS decisions, count_if(seen) AS impressions,
       count_if(seen AND clicked) AS clicks, count(rating) FILTER (WHERE seen) AS ratings,
       coalesce(sum(rating) FILTER (WHERE seen), 0), coalesce(sum(rating * rating) FILTER (WHERE seen), 0),
       coalesce(sum(reward) FILTER (WHERE seen), 0), coalesce(sum(reward * reward) FILTER (WHERE seen), 0),
       coalesce(sum(reward / k / propensity) FILTER (WHERE seen), 0) AS uniform_ips
FROM r GROUP BY ALL
"""


class Interval(Struct):
    low: float
    high: float


class VariantResult(Struct):
    variant: str
    decisions: int
    impressions: int
    clicks: int
    click_rate: float | None
    click_rate_ci: Interval | None
    ratings: int
    mean_rating: float | None
    mean_rating_ci: Interval | None


class Lift(Struct):
    personalized_impressions: int
    holdout_impressions: int
    reward: float | None  # mean reward per impression, personalized minus holdout
    reward_ci: Interval | None
    click_rate: float | None
    click_rate_ci: Interval | None


class Series(Struct):
    bucket_ms: int
    t: list[int]  # bucket starts, ms since the epoch
    impressions: dict[str, list[int]]  # per variant
    click_rate: list[float | None]  # all variants
    policy_reward: list[float | None]  # mean reward of personalized impressions in the bucket
    uniform_reward: list[float | None]  # what uniform random choice would have earned (IPS estimate)


class BlockResults(Struct):
    site: str
    block: str
    policy: str
    decisions: int
    variants: list[VariantResult]
    lift: Lift
    explored_share: float | None  # of personalized decisions
    series: Series


def _ci(pair: tuple[float, float] | None) -> Interval | None:
    return Interval(*pair) if pair else None


def _num(x: float) -> float | None:
    return None if x is None or math.isnan(x) else x


def bucket_for(span_ms: int) -> int:
    return next((b for b in BUCKETS_MS if span_ms / b <= 120), BUCKETS_MS[-1])


def block_results(cursor, *, site: Site, block: Block) -> BlockResults:
    low, high = cursor.execute(SPAN, {"site": site.key, "block": block.id}).fetchone()
    bucket = bucket_for((high or 0) - (low or 0))
    w = site.reward_weights
    rows = cursor.execute(QUERY, {
        "site": site.key, "block": block.id, "bucket": bucket, "w_default": w.default,
        "w_click": w.click, "w_dismiss": w.dismiss, "w_stars": w.stars, "w_up": w.thumbs_up, "w_down": w.thumbs_down,
    }).fetchall()
    return _summarise(rows, site=site, block=block, bucket=bucket)


def _summarise(rows: list[tuple], *, site: Site, block: Block, bucket: int) -> BlockResults:
    names = [v.id for v in block.variants]
    per_variant: dict[str, list[float]] = defaultdict(lambda: [0] * 6)  # decisions, imps, clicks, ratings, sum, sq
    arms = {"personalized": [0.0] * 5, "holdout": [0.0] * 5}  # impressions, clicks, reward sum, squares
    decided = explored = 0
    times: dict[int, list[float]] = defaultdict(lambda: [0.0] * 5)  # imps, clicks, personalized n, reward, ips
    imps_by_time: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for t, variant, holdout, was_explored, disabled, count, n, clicks, ratings, rsum, rsq, reward, rsq2, ips in rows:
        v = per_variant[variant]
        v[0] += count
        if not holdout and not disabled:
            decided += count
            explored += count if was_explored else 0
        v[1] += n; v[2] += clicks; v[3] += ratings; v[4] += rsum; v[5] += rsq  # noqa: E702
        if not disabled:
            arm = arms["holdout" if holdout else "personalized"]
            arm[0] += n; arm[1] += clicks; arm[2] += reward; arm[3] += rsq2  # noqa: E702
        slot = times[t]
        slot[0] += n; slot[1] += clicks  # noqa: E702
        if not holdout and not disabled:
            slot[2] += n; slot[3] += reward; slot[4] += ips  # noqa: E702
        imps_by_time[variant][t] += n
    variants = []
    for name in names + sorted(set(per_variant) - set(names)):  # variants since removed still show
        d, imps, clicks, ratings, rsum, rsq = per_variant[name] if name in per_variant else [0] * 6
        mean, ci = mean_interval(rsum, rsq, int(ratings))
        variants.append(VariantResult(
            variant=name, decisions=int(d), impressions=int(imps), clicks=int(clicks),
            click_rate=clicks / imps if imps else None, click_rate_ci=_ci(wilson(int(clicks), int(imps))),
            ratings=int(ratings), mean_rating=_num(mean) if ratings else None, mean_rating_ci=_ci(ci)))
    p, h = arms["personalized"], arms["holdout"]
    reward_lift, reward_ci = difference((p[2], p[3], int(p[0])), (h[2], h[3], int(h[0])))
    click_lift, click_ci = difference((p[1], p[1], int(p[0])), (h[1], h[1], int(h[0])))  # 0/1: squares = sum
    ts = sorted(times)
    if ts and (ts[-1] - ts[0]) // bucket <= 1_000:  # every bucket, so a quiet spell shows as one, not as a slope
        ts = list(range(ts[0], ts[-1] + bucket, bucket))
    series = Series(
        bucket_ms=bucket, t=ts,
        impressions={name: [imps_by_time[name].get(t, 0) for t in ts] for name in imps_by_time},
        click_rate=[times[t][1] / times[t][0] if times[t][0] else None for t in ts],
        policy_reward=[times[t][3] / times[t][2] if times[t][2] else None for t in ts],
        uniform_reward=[times[t][4] / times[t][2] if times[t][2] else None for t in ts],
    )
    return BlockResults(
        site=site.key, block=block.id, policy=block.policy, decisions=int(sum(v[0] for v in per_variant.values())),
        variants=variants, explored_share=explored / decided if decided else None, series=series,
        lift=Lift(personalized_impressions=int(p[0]), holdout_impressions=int(h[0]), reward=_num(reward_lift),
                  reward_ci=_ci(reward_ci), click_rate=_num(click_lift), click_rate_ci=_ci(click_ci)),
    )
