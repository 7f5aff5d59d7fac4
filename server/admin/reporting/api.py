"""The reporting part of the JSON admin API under /admin/api/: results, the overview, recent decisions, the audit
log."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from server.admin.reporting.audit import AuditEntry
from server.admin.reporting.decisions import DecisionView
from server.admin.reporting.overview import BlockOverview
from server.admin.reporting.results import BlockResults
from server.admin.reporting.results_filter import parse_filter
from server.admin.reporting.service import Reporting
from server.errors import answers


class ReportingApi(Controller):
    path = "/api"
    tags = ["admin"]

    @get("/sites/{site:str}/blocks/{block:str}/results", sync_to_thread=True, responses=answers(400, 401, 404),
         summary="Impressions, clicks, ratings per variant with 95% intervals; lift over the holdout with an "
                 "anytime-valid verdict; series; off_policy: what other policies would have earned over the last "
                 "30 days, computed in the background. "
                 "Filters: from/to (YYYY-MM-DD, UTC, inclusive), segment=field=value")
    def results(
        self, site: FromPath[str], block: FromPath[str], reporting: NamedDependency[Reporting],
        first: Annotated[str | None, QueryParameter(name="from", max_length=40)] = None,
        last: Annotated[str | None, QueryParameter(name="to", max_length=40)] = None,
        segment: Annotated[str | None, QueryParameter(max_length=400)] = None,
    ) -> BlockResults:
        window = parse_filter(first=first, last=last, segment=segment)
        return reporting.results(site=site, block=block, window=window)

    @get("/sites/{site:str}/overview", sync_to_thread=True, responses=answers(401, 404),
         summary="Every block's lift over the holdout and its last 7 days against the 7 before")
    def overview(self, site: FromPath[str], reporting: NamedDependency[Reporting]) -> list[BlockOverview]:
        return reporting.overview(site=site)

    @get("/sites/{site:str}/decisions", summary="Recent decisions, newest first, searchable", sync_to_thread=True,
         responses=answers(400, 401, 404))
    def decisions(
        self, site: FromPath[str], reporting: NamedDependency[Reporting], block: FromQuery[str | None] = None,
        variant: FromQuery[str | None] = None, reason: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> list[DecisionView]:
        return reporting.decisions(site=site, block=block, variant=variant, reason=reason, text=q, limit=limit)

    @get("/audit", summary="Every change: who, when, what, before and after", sync_to_thread=True,
         responses=answers(400, 401))
    def audit(self, reporting: NamedDependency[Reporting], target: FromQuery[str | None] = None,
              limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100) -> list[AuditEntry]:
        return reporting.audit(target=target, limit=limit)
