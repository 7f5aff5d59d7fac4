"""The results table as CSV: one row per variant, then one per group (personalized, holdout), with the filter
that made it, so a spreadsheet says what it shows."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.admin.reporting.results import BlockResults, Interval

HEADER = ["row", "name", "decisions", "impressions", "clicks", "click_rate", "click_rate_low", "click_rate_high",
          "ratings", "mean_rating", "mean_rating_low", "mean_rating_high", "reward_per_impression",
          "against_fallback", "against_fallback_low", "against_fallback_high", "from", "to", "segment"]


def results_csv(results: BlockResults) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(HEADER)
    applied = [results.filter.first_day or "", results.filter.last_day or "", _cell(results.filter.segment)]
    for v in results.variants:
        against = v.against_fallback
        writer.writerow(["variant", _cell(v.variant), v.decisions, v.impressions, v.clicks, _n(v.click_rate),
                         *_ends(v.click_rate_ci), v.ratings, _n(v.mean_rating), *_ends(v.mean_rating_ci),
                         _n(v.reward), against.state if against else "",
                         _n(against.low if against else None), _n(against.high if against else None), *applied])
    lift = results.lift
    for name, imps, reward in [("personalized", lift.personalized_impressions, lift.personalized_reward),
                               ("holdout", lift.holdout_impressions, lift.holdout_reward)]:
        writer.writerow(["group", name, "", imps, "", "", "", "", "", "", "", "", _n(reward), "", "", "", *applied])
    return out.getvalue()


def _n(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _ends(ci: Interval | None) -> list[str]:
    return ["", ""] if ci is None else [_n(ci.low), _n(ci.high)]


def _cell(text: str | None) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @) is prefixed with a quote (OWASP CSV injection)."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
