"""The plain-text tables `attune evaluate` prints: one per block, a row per policy."""

from __future__ import annotations

import math
from datetime import datetime

from online_learning.evaluation import Estimate
from server.evaluate.service import BlockReport

HEADER = ("policy", "IPS", "SNIPS", "DR", "DR 95% interval", "ESS")


def render(*, site: str, source: str, since_ms: int, reports: list[BlockReport]) -> str:
    since = datetime.fromtimestamp(since_ms / 1000).strftime("%Y-%m-%d %H:%M") if since_ms else "the start of the log"
    lines = [f"Off-policy evaluation of {site} ({source}), decisions since {since}.",
             "Mean reward per decision (the site's reward weights) each policy would have earned on this traffic.", ""]
    for report in reports:
        lines += _block(site, report) + [""]
    return "\n".join(lines)


def _block(site: str, report: BlockReport) -> list[str]:
    left_out = f"; {report.left_out} holdout or disabled left out" if report.left_out else ""
    title = f"{site}/{report.block}  ({report.policy} policy, {report.decisions} decisions{left_out})"
    rows = []
    if report.logged is not None:
        rows.append(("as logged", *[_number(report.logged.estimate)] * 3, _interval(report.logged),
                     f"{report.logged.n}"))
    for value in report.values:
        rows.append((value.policy, _number(value.ips.estimate), _number(value.snips.estimate),
                     _number(value.dr.estimate), _interval(value.dr), f"{value.ips.ess:.0f}"))
    table = [title]
    if rows:
        widths = [max(len(str(row[i])) for row in (HEADER, *rows)) for i in range(len(HEADER))]
        for row in (HEADER, *rows):
            cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
            table.append("  " + "  ".join(cells))
    table += [f"  note: {note}" for note in report.notes]
    return table


def _number(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def _interval(estimate: Estimate) -> str:
    if math.isnan(estimate.low):
        return "n/a"
    return f"[{estimate.low:.3f}, {estimate.high:.3f}]"
