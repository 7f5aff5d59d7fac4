"""The JSON admin API under /admin/api/: every page's data and action, for automation (see /schema)."""

from __future__ import annotations

import tomllib
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS
from msgspec import UNSET

from server.admin import edits
from server.admin.audit import AuditEntry, recent
from server.admin.auth import ANY_ROLE, PUBLIC
from server.admin.config_toml import diff, to_raw, to_toml
from server.admin.decisions import DecisionView, search
from server.admin.results import BlockResults, block_results
from server.admin.sanitise import clean
from server.admin.schemas import (
    Applied, BlockPatch, BlockSummary, ConfigBody, ConfigPreview, ConfigText, CreatedUser, Login, Me, NewUser,
    PasswordChange, Preview, PreviewBody, SitePatch, SiteView, UserView, VariantBody,
)
from server.admin.service import Admin, SignIn
from server.admin.sessions import COOKIE, session_cookie
from server.client_address import client_address
from server.config.loader import ConfigError, parse_config
from server.config.schema import Block, Config, Rule, Site
from server.errors import answers


def me(user) -> Me:
    return Me(name=user.name, role=user.role, can_edit=user.can_edit)


def user_views(admin: Admin) -> list[UserView]:
    return [UserView(name=u.name, role=u.role) for u in admin.users.all()]


def site_view(admin: Admin, site: Site, base_url: str) -> SiteView:
    snippet = admin.snippet(site.key, base_url)
    return SiteView(
        key=site.key, name=site.name, allowed_origins=site.allowed_origins, consent=site.consent,
        reward_window=site.reward_window, reward_weights=site.reward_weights, holdout_share=site.holdout_share,
        blocks=[BlockSummary(id=b.id, enabled=b.enabled, policy=b.policy, fallback=b.fallback,
                             variants=[v.id for v in b.variants], rules=len(b.rules)) for b in site.blocks],
        snippet=snippet.html if snippet else None, integrity=snippet.integrity if snippet else None)


def given(patch_: msgspec.Struct) -> dict:
    return {f: getattr(patch_, f) for f in patch_.__struct_fields__ if getattr(patch_, f) is not UNSET}


def sign_in(admin: Admin, request: Request, name: str, password: str) -> SignIn:
    """Sign in from the request's client address (behind a configured proxy: the address it forwards)."""
    address = client_address(request.scope, admin.runtime.settings.trusted_proxies)
    return admin.sign_in(name=name, password=password, address=address)


def refusal_headers(outcome: SignIn) -> dict[str, str]:
    return {"retry-after": str(outcome.retry_after)} if outcome.retry_after else {}


def parse_toml(text: str, source: str) -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    return parse_config(raw, source=source)


class AdminApi(Controller):
    path = "/api"
    tags = ["admin"]

    @post("/login", opt={PUBLIC: True}, status_code=200, summary="Sign in; sets the session cookie",
          responses=answers(400, 401, 403, 413, 415, 429))
    async def login(self, request: Request, data: JSONBody[Login], admin: NamedDependency[Admin]) -> Response[Me]:
        outcome = sign_in(admin, request, data.name, data.password)
        if outcome.user is None:
            status = HTTP_429_TOO_MANY_REQUESTS if outcome.retry_after else 401
            return Response({"status_code": status, "detail": outcome.error},  # type: ignore[arg-type]
                            status_code=status, headers=refusal_headers(outcome))
        return Response(me(outcome.user), cookies=[session_cookie(request, outcome.token)])

    @post("/logout", opt={ANY_ROLE: True}, status_code=200, summary="Sign out; ends the session",
          responses=answers(401, 403))
    async def logout(self, request: Request, admin: NamedDependency[Admin]) -> Response[None]:
        admin.sessions.end(request.cookies.get(COOKIE))
        return Response(None, cookies=[session_cookie(request, None)])

    @get("/me", summary="Who is signed in", sync_to_thread=False, responses=answers(401))
    def whoami(self, request: Request) -> Me:
        return me(request.user)

    @put("/me/password", opt={ANY_ROLE: True}, status_code=200, sync_to_thread=True,
         responses=answers(400, 401, 403, 413, 415),
         summary="Change your own password; your other sessions end")
    def change_password(self, request: Request, data: JSONBody[PasswordChange],
                        admin: NamedDependency[Admin]) -> Me:
        admin.change_password(request.user, data.current, data.new, session=request.cookies.get(COOKIE))
        return me(request.user)

    @get("/users", summary="Who can sign in, and their roles", sync_to_thread=True, responses=answers(401))
    def users(self, admin: NamedDependency[Admin]) -> list[UserView]:
        return user_views(admin)

    @post("/users", status_code=201, sync_to_thread=True, responses=answers(400, 401, 403, 413, 415),
          summary="Add a user; without a password one is made and returned this once")
    def add_user(self, request: Request, data: JSONBody[NewUser], admin: NamedDependency[Admin]) -> CreatedUser:
        user, password = admin.add_user(data.name, data.role, data.password, by=request.user)
        return CreatedUser(name=user.name, role=user.role, password=password)

    @delete("/users/{name:str}", status_code=200, sync_to_thread=True, responses=answers(400, 401, 403, 404),
            summary="Remove a user and end their sessions (not yourself)")
    def remove_user(self, request: Request, name: FromPath[str], admin: NamedDependency[Admin]) -> list[UserView]:
        admin.remove_user(name, by=request.user)
        return user_views(admin)

    @get("/sites", summary="Sites with their settings, blocks and the snippet to paste", sync_to_thread=False,
         responses=answers(401))
    def sites(self, request: Request, admin: NamedDependency[Admin]) -> list[SiteView]:
        return [site_view(admin, s, str(request.base_url)) for s in admin.config.sites]

    @patch("/sites/{site:str}", summary="Change a site's settings", sync_to_thread=True,
           responses=answers(400, 401, 403, 404, 413, 415))
    def patch_site(self, request: Request, site: FromPath[str], data: JSONBody[SitePatch],
                   admin: NamedDependency[Admin]) -> Applied:
        change = edits.update_site(admin.config, site=site, settings=msgspec.to_builtins(given(data)))
        return Applied(admin.apply(change, user=request.user, action="update-site"), change.summary)

    @get("/sites/{site:str}/blocks/{block:str}", summary="A block as the config file holds it", sync_to_thread=False,
         responses=answers(401, 404))
    def block(self, site: FromPath[str], block: FromPath[str], admin: NamedDependency[Admin]) -> Block:
        return admin.block(site, block)

    @patch("/sites/{site:str}/blocks/{block:str}", summary="Switch a block on or off, or change its policy",
           sync_to_thread=True, responses=answers(400, 401, 403, 404, 413, 415))
    def patch_block(self, request: Request, site: FromPath[str], block: FromPath[str], data: JSONBody[BlockPatch],
                    admin: NamedDependency[Admin]) -> Applied:
        change = edits.update_block(admin.config, site=site, block=block, settings=given(data))
        return Applied(admin.apply(change, user=request.user, action="update-block"), change.summary)

    @put("/sites/{site:str}/blocks/{block:str}", summary="Replace a block (variants' HTML is sanitised)",
         sync_to_thread=True, responses=answers(400, 401, 403, 404, 413, 415))
    def put_block(self, request: Request, site: FromPath[str], block: FromPath[str], data: JSONBody[Block],
                  admin: NamedDependency[Admin]) -> Applied:
        change = edits.replace_block(admin.config, site=site, block=block, raw_block=to_raw(data))
        return Applied(admin.apply(change, user=request.user, action="replace-block"), change.summary, change.stripped)

    @put("/sites/{site:str}/blocks/{block:str}/variants/{variant:str}", sync_to_thread=True,
         responses=answers(400, 401, 403, 404, 413, 415),
         summary="Create or replace a variant; its `html` is sanitised and what was removed is listed")
    def put_variant(self, request: Request, site: FromPath[str], block: FromPath[str], variant: FromPath[str],
                    data: JSONBody[VariantBody], admin: NamedDependency[Admin]) -> Applied:
        change = edits.save_variant(admin.config, site=site, block=block, variant=variant, content=data.content,
                                    new_id=data.id)
        return Applied(admin.apply(change, user=request.user, action="save-variant"), change.summary, change.stripped)

    @delete("/sites/{site:str}/blocks/{block:str}/variants/{variant:str}", status_code=200, sync_to_thread=True,
            responses=answers(400, 401, 403, 404),
            summary="Delete a variant")
    def delete_variant(self, request: Request, site: FromPath[str], block: FromPath[str], variant: FromPath[str],
                       admin: NamedDependency[Admin]) -> Applied:
        change = edits.delete_variant(admin.config, site=site, block=block, variant=variant)
        return Applied(admin.apply(change, user=request.user, action="delete-variant"), change.summary)

    @put("/sites/{site:str}/blocks/{block:str}/rules", summary="Replace a block's rules", sync_to_thread=True,
         responses=answers(400, 401, 403, 404, 413, 415))
    def put_rules(self, request: Request, site: FromPath[str], block: FromPath[str], data: JSONBody[list[Rule]],
                  admin: NamedDependency[Admin]) -> Applied:
        change = edits.set_rules(admin.config, site=site, block=block,
                                 rules=[to_raw(r) for r in data])
        return Applied(admin.apply(change, user=request.user, action="update-rules"), change.summary)

    @post("/preview", status_code=200, summary="Sanitise variant HTML as saving would, and list what goes",
          sync_to_thread=False, responses=answers(400, 401, 403, 413, 415))
    def preview(self, data: JSONBody[PreviewBody]) -> Preview:
        cleaned, stripped = clean(data.html)
        return Preview(html=cleaned, stripped=stripped)

    @get("/sites/{site:str}/blocks/{block:str}/results", sync_to_thread=True, responses=answers(401, 404),
         summary="Impressions, clicks, ratings per variant with 95% intervals; lift over the holdout; series")
    def results(self, site: FromPath[str], block: FromPath[str], admin: NamedDependency[Admin]) -> BlockResults:
        found = admin.site(site)
        with admin.db.cursor() as cursor:
            return block_results(cursor, site=found, block=admin.block(site, block))

    @get("/sites/{site:str}/decisions", summary="Recent decisions, newest first, searchable", sync_to_thread=True,
         responses=answers(400, 401, 404))
    def decisions(
        self, site: FromPath[str], admin: NamedDependency[Admin], block: FromQuery[str | None] = None,
        variant: FromQuery[str | None] = None, reason: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> list[DecisionView]:
        admin.site(site)  # an unknown site is a 404, not an empty list
        with admin.db.cursor() as cursor:
            return search(cursor, site=site, block=block, variant=variant, reason=reason, text=q, limit=limit)

    @get("/audit", summary="Every change: who, when, what, before and after", sync_to_thread=True,
         responses=answers(400, 401))
    def audit(self, admin: NamedDependency[Admin], target: FromQuery[str | None] = None,
              limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100) -> list[AuditEntry]:
        return recent(admin.db, limit=limit, target=target)

    @get("/config", summary="The live configuration as TOML (what `attune serve --config` reads)",
         sync_to_thread=True, responses=answers(401))
    def export(self, admin: NamedDependency[Admin]) -> ConfigText:
        latest = admin.runtime.config_store.latest()
        return ConfigText(toml=to_toml(admin.config), version=latest.version if latest else None)

    @post("/config/preview", status_code=200, summary="Validate a TOML configuration and diff it with the live one",
          sync_to_thread=False, responses=answers(400, 401, 403, 413, 415))
    def preview_config(self, data: JSONBody[ConfigBody], admin: NamedDependency[Admin]) -> ConfigPreview:
        return config_preview(admin, data.toml)

    @put("/config", summary="Import a TOML configuration: validated, then live at once", sync_to_thread=True,
         responses=answers(400, 401, 403, 413, 415))
    def import_config(self, request: Request, data: JSONBody[ConfigBody], admin: NamedDependency[Admin]) -> Applied:
        return import_toml(admin, request.user, data.toml)


def config_preview(admin: Admin, text: str) -> ConfigPreview:
    live = to_toml(admin.config)
    try:
        new = parse_toml(text, "imported")
    except ConfigError as error:
        return ConfigPreview(valid=False, error=str(error), diff="")
    return ConfigPreview(valid=True, error=None, diff=diff(live, to_toml(new)))


def import_toml(admin: Admin, user, text: str) -> Applied:
    new = parse_toml(text, "imported")
    before, after = to_toml(admin.config), to_toml(new)
    change = edits.Change(new, "config", f"imported a configuration ({len(new.sites)} site(s))", before, after)
    return Applied(admin.apply(change, user=user, action="import-config"), change.summary)
