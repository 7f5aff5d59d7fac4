"""Pages to read: results per block, recent decisions and the audit log."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from server.admin.pages import is_htmx, render
from server.admin.reporting.service import Reporting
from server.config.schema import Config


class ReportPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/sites/{site:str}/blocks/{block:str}/results", sync_to_thread=True)
    def results(self, request: Request, site: FromPath[str], block: FromPath[str],
                reporting: NamedDependency[Reporting], config: NamedDependency[Config]) -> object:
        results = reporting.results(site=site, block=block)
        return render("results.html", request, config, title=f"Results of {block}", site=reporting.site(site),
                      block=reporting.block(site, block), results=results,
                      series_json=msgspec.json.encode(results.series).decode())

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
