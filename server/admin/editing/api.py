"""The editing part of the JSON admin API under /admin/api/: sites, blocks, variants, rules, config as code."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import UNSET

from server.admin.editing.schemas import (
    Applied, BlockPatch, BlockSummary, ConfigBody, ConfigPreview, ConfigText, Preview, PreviewBody, SitePatch,
    SiteView, VariantBody,
)
from server.admin.editing.service import Editing
from server.config.schema import Block, Rule, Site
from server.config.toml import to_raw
from server.errors import answers


def site_view(editing: Editing, site: Site, base_url: str) -> SiteView:
    snippet = editing.snippet(site.key, base_url)
    return SiteView(
        key=site.key, name=site.name, allowed_origins=site.allowed_origins, consent=site.consent,
        reward_window=site.reward_window, reward_weights=site.reward_weights, holdout_share=site.holdout_share,
        blocks=[BlockSummary(id=b.id, enabled=b.enabled, policy=b.policy, fallback=b.fallback,
                             variants=[v.id for v in b.variants], rules=len(b.rules)) for b in site.blocks],
        snippet=snippet.html if snippet else None, integrity=snippet.integrity if snippet else None)


def given(patch_: msgspec.Struct) -> dict:
    return {f: getattr(patch_, f) for f in patch_.__struct_fields__ if getattr(patch_, f) is not UNSET}


class EditingApi(Controller):
    path = "/api"
    tags = ["admin"]

    @get("/sites", summary="Sites with their settings, blocks and the snippet to paste", sync_to_thread=False,
         responses=answers(401))
    def sites(self, request: Request, editing: NamedDependency[Editing]) -> list[SiteView]:
        return [site_view(editing, s, str(request.base_url)) for s in editing.config.sites]

    @patch("/sites/{site:str}", summary="Change a site's settings", sync_to_thread=True,
           responses=answers(400, 401, 403, 404, 413, 415))
    def patch_site(self, request: Request, site: FromPath[str], data: JSONBody[SitePatch],
                   editing: NamedDependency[Editing]) -> Applied:
        return editing.update_site(user=request.user, site=site, settings=msgspec.to_builtins(given(data)))

    @get("/sites/{site:str}/blocks/{block:str}", summary="A block as the config file holds it", sync_to_thread=False,
         responses=answers(401, 404))
    def block(self, site: FromPath[str], block: FromPath[str], editing: NamedDependency[Editing]) -> Block:
        return editing.block(site, block)

    @patch("/sites/{site:str}/blocks/{block:str}", summary="Switch a block on or off, or change its policy",
           sync_to_thread=True, responses=answers(400, 401, 403, 404, 413, 415))
    def patch_block(self, request: Request, site: FromPath[str], block: FromPath[str], data: JSONBody[BlockPatch],
                    editing: NamedDependency[Editing]) -> Applied:
        return editing.update_block(user=request.user, site=site, block=block, settings=given(data))

    @put("/sites/{site:str}/blocks/{block:str}", summary="Replace a block (variants' HTML is sanitised)",
         sync_to_thread=True, responses=answers(400, 401, 403, 404, 413, 415))
    def put_block(self, request: Request, site: FromPath[str], block: FromPath[str], data: JSONBody[Block],
                  editing: NamedDependency[Editing]) -> Applied:
        return editing.replace_block(user=request.user, site=site, block=block, raw_block=to_raw(data))

    @put("/sites/{site:str}/blocks/{block:str}/variants/{variant:str}", sync_to_thread=True,
         responses=answers(400, 401, 403, 404, 413, 415),
         summary="Create or replace a variant; its `html` is sanitised and what was removed is listed")
    def put_variant(self, request: Request, site: FromPath[str], block: FromPath[str], variant: FromPath[str],
                    data: JSONBody[VariantBody], editing: NamedDependency[Editing]) -> Applied:
        return editing.save_variant(user=request.user, site=site, block=block, variant=variant,
                                    content=data.content, new_id=data.id)

    @delete("/sites/{site:str}/blocks/{block:str}/variants/{variant:str}", status_code=200, sync_to_thread=True,
            responses=answers(400, 401, 403, 404),
            summary="Delete a variant")
    def delete_variant(self, request: Request, site: FromPath[str], block: FromPath[str], variant: FromPath[str],
                       editing: NamedDependency[Editing]) -> Applied:
        return editing.delete_variant(user=request.user, site=site, block=block, variant=variant)

    @put("/sites/{site:str}/blocks/{block:str}/rules", summary="Replace a block's rules", sync_to_thread=True,
         responses=answers(400, 401, 403, 404, 413, 415))
    def put_rules(self, request: Request, site: FromPath[str], block: FromPath[str], data: JSONBody[list[Rule]],
                  editing: NamedDependency[Editing]) -> Applied:
        return editing.set_rules(user=request.user, site=site, block=block, rules=[to_raw(r) for r in data])

    @post("/preview", status_code=200, summary="Sanitise variant HTML as saving would, and list what goes",
          sync_to_thread=False, responses=answers(400, 401, 403, 413, 415))
    def preview(self, data: JSONBody[PreviewBody], editing: NamedDependency[Editing]) -> Preview:
        return editing.preview_html(data.html)

    @get("/config", summary="The live configuration as TOML (what `attune serve --config` reads)",
         sync_to_thread=True, responses=answers(401))
    def export(self, editing: NamedDependency[Editing]) -> ConfigText:
        return editing.export()

    @post("/config/preview", status_code=200, summary="Validate a TOML configuration and diff it with the live one",
          sync_to_thread=False, responses=answers(400, 401, 403, 413, 415))
    def preview_config(self, data: JSONBody[ConfigBody], editing: NamedDependency[Editing]) -> ConfigPreview:
        return editing.preview_config(data.toml)

    @put("/config", summary="Import a TOML configuration: validated, then live at once", sync_to_thread=True,
         responses=answers(400, 401, 403, 413, 415))
    def import_config(self, request: Request, data: JSONBody[ConfigBody], editing: NamedDependency[Editing]
                      ) -> Applied:
        return editing.import_config(user=request.user, text=data.toml)
