"""Pages to read: results per block (filtered, and as CSV), the overview of a site, recent decisions, the audit log."""

from __future__ import annotations

import time
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from server.admin.pages import is_htmx, render
from server.admin.reporting.export import results_csv
from server.admin.reporting.results_filter import ResultsFilter, parse_filter
from server.admin.reporting.sequential import MIN_GROUP_IMPRESSIONS
from server.admin.reporting.service import Reporting
from server.config.schema import Config
from server.evaluate.background import INTERVAL_S
from server.errors import BadRequest

SegmentParameter = QueryParameter(max_length=400)


class ReportPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/sites/{site:str}/blocks/{block:str}/results", sync_to_thread=True)
    def results(self, request: Request, site: FromPath[str], block: FromPath[str],
                reporting: NamedDependency[Reporting], config: NamedDependency[Config],
                first: Annotated[str | None, QueryParameter(name="from", max_length=40)] = None,
                last: Annotated[str | None, QueryParameter(name="to", max_length=40)] = None,
                segment: Annotated[str | None, SegmentParameter] = None) -> object:
        refused = None
        try:
            window = parse_filter(first=first, last=last, segment=segment)
        except BadRequest as error:  # the page still shows, unfiltered, and says which filter it refused
            refused, window = str(error), ResultsFilter()
        results = reporting.results(site=site, block=block, window=window)
        asked = {"from": first or "", "to": last or "", "segment": segment or ""} if refused else window.query()
        return render("results.html", request, config, status_code=400 if refused else 200,
                      title=f"Results of {block}", site=reporting.site(site), block=reporting.block(site, block),
                      results=results, refused=refused, asked=asked, csv_query=window.query(),
                      minimum=MIN_GROUP_IMPRESSIONS, series_json=msgspec.json.encode(results.series).decode(),
                      evaluate_every_minutes=INTERVAL_S // 60,
                      estimated_minutes_ago=_minutes_since(results.off_policy and results.off_policy.computed_at))

    @get("/sites/{site:str}/blocks/{block:str}/results.csv", sync_to_thread=True)
    def results_csv(self, site: FromPath[str], block: FromPath[str], reporting: NamedDependency[Reporting],
                    first: Annotated[str | None, QueryParameter(name="from", max_length=40)] = None,
                    last: Annotated[str | None, QueryParameter(name="to", max_length=40)] = None,
                    segment: Annotated[str | None, SegmentParameter] = None) -> Response:
        window = parse_filter(first=first, last=last, segment=segment)  # a bad filter: 400 naming it
        results = reporting.results(site=site, block=block, window=window)
        return Response(results_csv(results), media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="results-{results.site}-{results.block}.csv"'})

    @get("/sites/{site:str}/overview", sync_to_thread=True)
    def overview(self, request: Request, site: FromPath[str], reporting: NamedDependency[Reporting],
                 config: NamedDependency[Config]) -> object:
        return render("overview.html", request, config, title="Overview", site=reporting.site(site),
                      blocks=reporting.overview(site=site))

    @get("/sites/{site:str}/decisions", sync_to_thread=True)
    def decisions(self, request: Request, site: FromPath[str], reporting: NamedDependency[Reporting],
                  config: NamedDependency[Config], block: FromQuery[str | None] = None,
                  variant: FromQuery[str | None] = None, reason: FromQuery[str | None] = None,
                  q: FromQuery[str | None] = None) -> object:
        rows = reporting.decisions(site=site, block=block or None, variant=variant or None, reason=reason or None,
                                   text=(q or "")[:200] or None)
        template = "_decision_rows.html" if is_htmx(request) else "decisions.html"
        return render(template, request, config, title="Recent decisions", site=reporting.site(site), rows=rows,
                      query={"block": block or "", "variant": variant or "", "reason": reason or "", "q": q or ""})

    @get("/audit", sync_to_thread=True)
    def audit(self, request: Request, reporting: NamedDependency[Reporting], config: NamedDependency[Config],
              target: FromQuery[str | None] = None) -> object:
        return render("audit.html", request, config, title="Audit log", entries=reporting.audit(target=target),
                      target=target)


def _minutes_since(at_ms: int | None) -> int | None:
    return None if at_ms is None else max(0, (time.time_ns() // 1_000_000 - at_ms) // 60_000)
