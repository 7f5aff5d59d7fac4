"""Results per block: the rollup of finished decisions plus the raw log since, then arithmetic.

Counted as the learner counts (online_learning/join.py), outcome by outcome in
server/storage/rollup.py: only decisions seen within the learner's 30 minutes enter rates and
rewards, and a click, dismissal or rating counts only up to the close of the decision's reward
window, which opens at its first impression, lasts the window logged with the decision, and closes
early at a rating. Time is the server's clock (`received_at`). Rewards use the site's current weights.
"""

from __future__ import annotations

import math
from collections import defaultdict

from msgspec import Struct

from online_learning.join import DECISION_TTL_MS
from server.admin.reporting.stats import difference, mean_interval, wilson
from server.config.schema import Block, Site
from server.storage.reward_sql import REWARD_SQL, reward_params
from server.storage.rollup import SKEW_MS, bucket_for, folded_below, outcome_classes

FOREVER_MS = 2**62

SPAN = """
SELECT min(low), max(high) FROM (
    SELECT min(minute) AS low, max(minute) AS high FROM results_rollup
    WHERE site = $site AND block = $block AND minute < $from
    UNION ALL
    SELECT min(decided_at), max(decided_at) FROM decisions WHERE site = $site AND block = $block AND decided_at >= $from
)
"""

QUERY = f"""
WITH classes AS (  -- counts per minute and outcome: finished decisions from the rollup, the rest from the log
    SELECT minute, variant, holdout, explored, disabled, feedback, seen, clicked, dismissed, rating,
           decisions, inverse_kp
    FROM results_rollup WHERE site = $site AND block = $block AND minute < $from
    UNION ALL
    SELECT minute, variant, holdout, explored, disabled, feedback, seen, clicked, dismissed, rating,
           decisions, inverse_kp
    FROM ({outcome_classes(one_block=True)})
), r AS (
    SELECT *, minute // $bucket * $bucket AS t,
           {REWARD_SQL} AS reward
    FROM classes
)
SELECT t, variant, holdout, explored, disabled, sum(decisions) AS decisions,
       coalesce(sum(decisions) FILTER (WHERE seen), 0) AS impressions,
       coalesce(sum(decisions) FILTER (WHERE clicked), 0) AS clicks,
       coalesce(sum(decisions) FILTER (WHERE rating IS NOT NULL), 0) AS ratings,
       coalesce(sum(decisions * rating), 0), coalesce(sum(decisions * rating * rating), 0),
       coalesce(sum(decisions * reward) FILTER (WHERE seen), 0),
       coalesce(sum(decisions * reward * reward) FILTER (WHERE seen), 0),
       coalesce(sum(inverse_kp * reward) FILTER (WHERE seen), 0) AS uniform_ips
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


def block_results(cursor, *, site: Site, block: Block) -> BlockResults:
    cursor.execute("BEGIN")  # one snapshot: the rollup and the raw log above its watermark never overlap
    try:
        below = folded_below(cursor)
        where = {"site": site.key, "block": block.id}
        low, high = cursor.execute(SPAN, {**where, "from": below}).fetchone()
        bucket = bucket_for((high or 0) - (low or 0))
        rows = cursor.execute(QUERY, {
            **where, "from": below, "to": FOREVER_MS, "events_to": FOREVER_MS, "skew": SKEW_MS, "ttl": DECISION_TTL_MS,
            "bucket": bucket, **reward_params(site.reward_weights.for_learning()),
        }).fetchall()
    finally:
        cursor.execute("COMMIT")
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
