"""Configuration as code: the live configuration as TOML to export, and an import with its diff first."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody

from server.admin.editing.schemas import ConfigForm
from server.admin.editing.service import Editing
from server.admin.pages import redirect, render
from server.config.loader import ConfigError
from server.config.toml import to_toml


def _page(request: Request, editing: Editing, *, status_code: int = 200, **context) -> object:
    return render("config.html", request, editing.config, status_code=status_code, title="Configuration as code",
                  toml=to_toml(editing.config), version=editing.version(), **context)


class ConfigPages(Controller):
    path = "/config"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def config(self, request: Request, editing: NamedDependency[Editing]) -> object:
        return _page(request, editing, preview=None, imported="", saved=request.query_params.get("saved"))

    @get("/export.toml", sync_to_thread=False)
    def export(self, editing: NamedDependency[Editing]) -> Response:
        return Response(to_toml(editing.config), media_type="application/toml; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="attune.toml"'})

    @post("/preview", sync_to_thread=True)
    def preview(self, request: Request, data: URLEncodedBody[ConfigForm], editing: NamedDependency[Editing]) -> object:
        return _page(request, editing, preview=editing.preview_config(data.toml), imported=data.toml, saved=None)

    @post("/apply", sync_to_thread=True)
    def apply(self, request: Request, data: URLEncodedBody[ConfigForm], editing: NamedDependency[Editing]) -> object:
        try:
            editing.import_config(user=request.user, text=data.toml)
        except ConfigError as error:
            return _page(request, editing, status_code=400, preview=editing.preview_config(data.toml),
                         imported=data.toml, saved=None, error=str(error))
        return redirect("/admin/config?saved=1")
