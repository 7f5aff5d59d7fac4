"""The results query's rows added up: per variant, per group (personalized or holdout) and per time bucket."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from server.admin.reporting.stats import Sums


@dataclass(slots=True)
class Group:
    decisions: int = 0
    impressions: int = 0
    clicks: int = 0
    ratings: int = 0
    rating_total: float = 0.0
    reward_total: float = 0.0
    reward_squares: float = 0.0

    @property
    def reward(self) -> Sums:
        return Sums(self.reward_total, self.reward_squares, self.impressions)

    @property
    def click_sums(self) -> Sums:
        return Sums(float(self.clicks), float(self.clicks), self.impressions)  # 0/1 values: squares are the sum

    def add(self, decisions, impressions, clicks, ratings, rating_total, reward_total, reward_squares) -> None:
        self.decisions += int(decisions)
        self.impressions += int(impressions)
        self.clicks += int(clicks)
        self.ratings += int(ratings)
        self.rating_total += rating_total
        self.reward_total += reward_total
        self.reward_squares += reward_squares


@dataclass(slots=True)
class Bucket:
    impressions: int = 0
    clicks: int = 0
    personalized: int = 0  # impressions outside the holdout, of an enabled block
    reward: float = 0.0
    uniform_ips: float = 0.0
    per_variant: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(slots=True)
class Tally:
    variants: dict[str, Group] = field(default_factory=lambda: defaultdict(Group))
    personalized: Group = field(default_factory=Group)
    holdout: Group = field(default_factory=Group)
    personalized_decisions: int = 0
    explored: int = 0
    buckets: dict[int, Bucket] = field(default_factory=lambda: defaultdict(Bucket))
    lowest_rating: float | None = None
    highest_rating: float | None = None

    @property
    def decisions(self) -> int:
        return sum(g.decisions for g in self.variants.values())

    @classmethod
    def of(cls, rows: list[tuple]) -> Tally:
        tally = cls()
        for (t, variant, holdout, explored, disabled, count, seen, clicks, ratings, rating_total, _rating_squares,
             reward, reward_squares, ips, lowest, highest) in rows:
            counts = (count, seen, clicks, ratings, rating_total, reward, reward_squares)
            tally.variants[variant].add(*counts)
            if not disabled:  # a switched-off block showed its fallback to everyone: no group to compare
                (tally.holdout if holdout else tally.personalized).add(*counts)
            bucket = tally.buckets[t]
            bucket.impressions += int(seen)
            bucket.clicks += int(clicks)
            bucket.per_variant[variant] += int(seen)
            if not holdout and not disabled:
                tally.personalized_decisions += int(count)
                tally.explored += int(count) if explored else 0
                bucket.personalized += int(seen)
                bucket.reward += reward
                bucket.uniform_ips += ips
            if lowest is not None:
                tally.lowest_rating = min(lowest, tally.lowest_rating if tally.lowest_rating is not None else lowest)
                tally.highest_rating = max(highest, tally.highest_rating if tally.highest_rating is not None
                                           else highest)
        return tally

    def group(self, variant: str) -> Group:
        return self.variants[variant] if variant in self.variants else Group()


def series_of(tally: Tally, bucket: int) -> dict:
    """The chart's series: every bucket from the first to the last, so a quiet spell shows as one, not a slope."""
    ts = sorted(tally.buckets)
    if ts and (ts[-1] - ts[0]) // bucket <= 1_000:
        ts = list(range(ts[0], ts[-1] + bucket, bucket))
    slots = [tally.buckets.get(t) or Bucket() for t in ts]
    return {
        "t": ts,
        "impressions": {name: [s.per_variant.get(name, 0) for s in slots] for name in tally.variants},
        "click_rate": [s.clicks / s.impressions if s.impressions else None for s in slots],
        "policy_reward": [s.reward / s.personalized if s.personalized else None for s in slots],
        "uniform_reward": [s.uniform_ips / s.personalized if s.personalized else None for s in slots],
    }
