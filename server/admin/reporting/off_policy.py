"""What other policies would have earned on one block: the background evaluator's latest report, as the results
page and API show it (the figures `attune evaluate` prints, from server/evaluate/service.py)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from server.admin.reporting.results import Interval, OffPolicy, PolicyEstimate
from server.evaluate.background import DAYS
from server.evaluate.service import FEW_EFFECTIVE_DECISIONS

if TYPE_CHECKING:
    from online_learning.evaluation import Estimate, PolicyValue
    from server.evaluate.background import FailedEvaluation, SiteEvaluation
    from server.evaluate.service import BlockReport

ROUGH = f"fewer than {FEW_EFFECTIVE_DECISIONS} effective decisions: a rough guide"
THIN_NOTE = f"fewer than {FEW_EFFECTIVE_DECISIONS} effective decisions for:"  # said per row instead
GREEDY_NOTE = "scored on the traffic it learned from, so it leans optimistic"


def off_policy(block: str, latest: SiteEvaluation | None, failed: FailedEvaluation | None) -> OffPolicy:
    report = latest.reports.get(block) if latest else None  # a block added since the last run has none yet
    failure = failed.message if failed else None
    if report is None:
        return OffPolicy(state="failed" if failed else "computing", days=DAYS, since=None, computed_at=None,
                         took_ms=None, decisions=0, left_out=0, policies=[], notes=[], failure=failure)
    return OffPolicy(
        state="ready", days=DAYS, since=latest.since_ms, computed_at=latest.computed_at, took_ms=latest.took_ms,
        decisions=report.decisions, left_out=report.left_out, policies=_rows(report),
        notes=[n for n in report.notes if not n.startswith(THIN_NOTE)], failure=failure,
    )


def _rows(report: BlockReport) -> list[PolicyEstimate]:
    rows = []
    if report.logged is not None:
        logged = report.logged
        rows.append(PolicyEstimate(policy="as logged", estimate=_number(logged.estimate), interval=_interval(logged),
                                   ips=_number(logged.estimate), snips=_number(logged.estimate),
                                   effective_decisions=float(logged.n), notes=["what the traffic actually earned"]))
    rows += [_row(value) for value in report.values]
    return rows


def _row(value: PolicyValue) -> PolicyEstimate:
    notes = [ROUGH] if value.ips.ess < FEW_EFFECTIVE_DECISIONS else []
    if value.policy.endswith("greedy"):
        notes.append(GREEDY_NOTE)
    return PolicyEstimate(policy=value.policy, estimate=_number(value.dr.estimate), interval=_interval(value.dr),
                          ips=_number(value.ips.estimate), snips=_number(value.snips.estimate),
                          effective_decisions=_number(value.ips.ess), notes=notes)


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _interval(estimate: Estimate) -> Interval | None:
    if math.isnan(estimate.low) or math.isnan(estimate.high):
        return None
    return Interval(estimate.low, estimate.high)
