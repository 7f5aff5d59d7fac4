"""Every block of a site on one page: its lift over the holdout with the verdict, and how the last 7 days
compare with the 7 before (from the rollup, so the page stays fast however long the log)."""

from __future__ import annotations

import datetime as dt

from msgspec import Struct

from server.admin.reporting.results import BlockResults, Lift, block_results
from server.admin.reporting.results_filter import days_back
from server.config.schema import Site

WEEK = 7


class Week(Struct):
    first_day: str
    last_day: str
    impressions: int
    click_rate: float | None
    reward: float | None  # mean reward per personalized impression
    lift: float | None  # reward per impression, personalized minus holdout


class BlockOverview(Struct):
    block: str
    enabled: bool
    policy: str
    decisions: int
    lift: Lift  # over the whole log, with the anytime-valid verdict
    last_week: Week
    week_before: Week


def site_overview(cursor, *, site: Site, today: dt.date) -> list[BlockOverview]:
    found = []
    for block in site.blocks:
        everything = block_results(cursor, site=site, block=block)
        recent, before = (_week(block_results(cursor, site=site, block=block, window=days_back(today, *days)))
                          for days in ((WEEK - 1, 0), (2 * WEEK - 1, WEEK)))
        found.append(BlockOverview(block=block.id, enabled=block.enabled, policy=block.policy,
                                   decisions=everything.decisions, lift=everything.lift,
                                   last_week=recent, week_before=before))
    return found


def _week(results: BlockResults) -> Week:
    imps = sum(v.impressions for v in results.variants)
    clicks = sum(v.clicks for v in results.variants)
    return Week(first_day=results.filter.first_day or "", last_day=results.filter.last_day or "", impressions=imps,
                click_rate=clicks / imps if imps else None, reward=results.lift.personalized_reward,
                lift=results.lift.reward)
