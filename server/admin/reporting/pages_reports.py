"""Pages to read: results per block, recent decisions, the audit log, and config as code (export, import)."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from server.admin.api import config_preview, import_toml
from server.admin.audit import recent
from server.admin.config_toml import to_toml
from server.admin.decisions import search
from server.admin.pages_common import Form, is_htmx, redirect, render
from server.admin.results import block_results
from server.admin.service import Admin
from server.config.loader import ConfigError


class ReportPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/sites/{site:str}/blocks/{block:str}/results", sync_to_thread=True)
    def results(self, request: Request, site: FromPath[str], block: FromPath[str],
                admin: NamedDependency[Admin]) -> object:
        found, chosen = admin.site(site), admin.block(site, block)
        with admin.db.cursor() as cursor:
            results = block_results(cursor, site=found, block=chosen)
        return render("results.html", request, admin, title=f"Results of {block}", site=found, block=chosen,
                      results=results, series_json=msgspec.json.encode(results.series).decode())

    @get("/sites/{site:str}/decisions", sync_to_thread=True)
    def decisions(self, request: Request, site: FromPath[str], admin: NamedDependency[Admin],
                  block: FromQuery[str | None] = None, variant: FromQuery[str | None] = None,
                  reason: FromQuery[str | None] = None, q: FromQuery[str | None] = None) -> object:
        found = admin.site(site)
        with admin.db.cursor() as cursor:
            rows = search(cursor, site=site, block=block or None, variant=variant or None, reason=reason or None,
                          text=(q or "")[:200] or None)
        template = "_decision_rows.html" if is_htmx(request) else "decisions.html"
        return render(template, request, admin, title="Recent decisions", site=found, rows=rows,
                      query={"block": block or "", "variant": variant or "", "reason": reason or "", "q": q or ""})

    @get("/audit", sync_to_thread=True)
    def audit(self, request: Request, admin: NamedDependency[Admin], target: FromQuery[str | None] = None) -> object:
        return render("audit.html", request, admin, title="Audit log", entries=recent(admin.db, target=target),
                      target=target)

    @get("/config", sync_to_thread=True)
    def config(self, request: Request, admin: NamedDependency[Admin]) -> object:
        latest = admin.runtime.config_store.latest()
        return render("config.html", request, admin, title="Configuration as code", toml=to_toml(admin.config),
                      version=latest.version if latest else None, preview=None, imported="",
                      saved=request.query_params.get("saved"))

    @get("/config/export.toml", sync_to_thread=False)
    def export(self, admin: NamedDependency[Admin]) -> Response:
        return Response(to_toml(admin.config), media_type="application/toml; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="attune.toml"'})

    @post("/config/preview", sync_to_thread=True)
    def preview(self, request: Request, data: Form, admin: NamedDependency[Admin]) -> object:
        text = data.get("toml", "")
        latest = admin.runtime.config_store.latest()
        return render("config.html", request, admin, title="Configuration as code", toml=to_toml(admin.config),
                      version=latest.version if latest else None, preview=config_preview(admin, text),
                      imported=text, saved=None)

    @post("/config/apply", sync_to_thread=True)
    def apply(self, request: Request, data: Form, admin: NamedDependency[Admin]) -> object:
        try:
            import_toml(admin, request.user, data.get("toml", ""))
        except ConfigError as error:
            latest = admin.runtime.config_store.latest()
            return render("config.html", request, admin, status_code=400, title="Configuration as code",
                          toml=to_toml(admin.config), version=latest.version if latest else None,
                          preview=config_preview(admin, data.get("toml", "")), imported=data.get("toml", ""),
                          saved=None, error=str(error))
        return redirect("/admin/config?saved=1")
