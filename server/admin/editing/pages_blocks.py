"""Pages for sites and blocks: the list with on/off switches, the block editor, variants with live preview."""

from __future__ import annotations

import math
import tomllib

import msgspec
import tomli_w
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody

from server.admin.editing.schemas import BlockForm, RulesForm, SiteForm, ToggleForm
from server.admin.editing.service import Editing, clean_content
from server.admin.pages import Form, is_htmx, lines, redirect, render
from server.config.loader import ConfigError
from server.config.toml import to_raw

STANDARD_FIELDS = ("title", "body", "cta", "href", "html")  # the fields the widget fills (data-attune-field)
WEIGHTS = ("click", "thumbs_up", "thumbs_down", "stars", "dismiss", "default")  # form fields w_click, ...


def _number(key: str, text: str) -> float:
    """A form field as a finite float; `float()` alone takes "nan", "inf" and "1e400"."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{key}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{key}: {text!r} is not a finite number")
    return value


def _typed(form: SiteForm) -> dict[str, str]:
    """The fields the form sent, as typed."""
    return {k: v for k, v in msgspec.structs.asdict(form).items() if v is not None}


def _site_settings(form: SiteForm) -> dict:
    typed = _typed(form)
    weights = {k: _number(f"w_{k}", typed[f"w_{k}"]) for k in WEIGHTS if typed.get(f"w_{k}", "") != ""}
    return {"name": typed.get("name", ""), "allowed_origins": lines(typed.get("allowed_origins", "")),
            "consent": typed.get("consent", ""), "reward_window": int(typed.get("reward_window", "0")),
            "holdout_share": _number("holdout_share", typed.get("holdout_share", "0")), "reward_weights": weights}


def _block_settings(form: BlockForm) -> dict:
    split = {}
    for line in lines(form.split):
        name, _, share = line.partition("=")
        split[name.strip()] = _number(f"split: {name.strip()}", share)
    return {"enabled": form.enabled == "on", "policy": form.policy, "fallback": form.fallback,
            "exploration": _number("exploration", form.exploration), "feedback": form.feedback,
            "split": split or None}


def _content(form: dict[str, str]) -> dict[str, str]:
    return {k.removeprefix("content."): v for k, v in form.items() if k.startswith("content.")}


class BlockPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/", sync_to_thread=False)
    def home(self, editing: NamedDependency[Editing]) -> object:
        return redirect(f"/admin/sites/{editing.config.sites[0].key}/blocks")

    @get("/sites/{site:str}", sync_to_thread=False)
    def site(self, request: Request, site: FromPath[str], editing: NamedDependency[Editing]) -> object:
        found = editing.site(site)
        return render("site.html", request, editing.config, title=f"Site {found.name or found.key}", site=found,
                      snippet=editing.snippet(site, str(request.base_url)), error=None)

    @post("/sites/{site:str}", sync_to_thread=True)
    def save_site(self, request: Request, site: FromPath[str], data: URLEncodedBody[SiteForm],
                  editing: NamedDependency[Editing]) -> object:
        try:
            editing.update_site(user=request.user, site=site, settings=_site_settings(data))
        except (ConfigError, ValueError) as error:  # shown again as typed, to fix rather than retype
            return render("site.html", request, editing.config, status_code=400, title="Site",
                          site=editing.site(site), snippet=editing.snippet(site, str(request.base_url)),
                          error=str(error), typed=_typed(data))
        return redirect(f"/admin/sites/{site}?saved=1")

    @get("/sites/{site:str}/blocks", sync_to_thread=False)
    def blocks(self, request: Request, site: FromPath[str], editing: NamedDependency[Editing]) -> object:
        found = editing.site(site)
        return render("blocks.html", request, editing.config, title=f"Blocks of {found.name or found.key}",
                      site=found)

    @post("/sites/{site:str}/blocks/{block:str}/enabled", sync_to_thread=True)
    def toggle(self, request: Request, site: FromPath[str], block: FromPath[str], data: URLEncodedBody[ToggleForm],
               editing: NamedDependency[Editing]) -> object:
        editing.set_enabled(user=request.user, site=site, block=block, enabled=data.enabled == "on")
        if is_htmx(request):
            chosen = editing.block(site, block)
            return render("_toggle.html", request, editing.config, site=editing.site(site), block=chosen,
                          announce=f"{block} is now {'on' if chosen.enabled else 'off'}")
        return redirect(f"/admin/sites/{site}/blocks")

    @get("/sites/{site:str}/blocks/{block:str}", sync_to_thread=False)
    def block(self, request: Request, site: FromPath[str], block: FromPath[str],
              editing: NamedDependency[Editing]) -> object:
        return self._editor(request, editing, site, block)

    def _editor(self, request: Request, editing: Editing, site: str, block: str, *, status_code: int = 200,
                error: str | None = None, stripped: list[str] | None = None, saved: str | None = None,
                form: dict | None = None, rules: str | None = None) -> object:
        found = editing.block(site, block)
        if rules is None:
            rules = tomli_w.dumps({"rules": to_raw(found)["rules"]}) if found.rules else ""
        draft = None
        if form is not None:  # a refused variant edit: shown again as typed, to fix rather than retype
            original = form.get("original", "")
            slot = next((str(i) for i, v in enumerate(found.variants, 1) if v.id == original), "new")
            draft = {"original": original, "id": form.get("id", ""), "content": _content(form), "slot": slot}
        return render("block.html", request, editing.config, status_code=status_code, title=f"Block {block}",
                      site=editing.site(site), block=found, rules_toml=rules, error=error, stripped=stripped or [],
                      saved=saved or request.query_params.get("saved"), fields=STANDARD_FIELDS, draft=draft)

    @post("/sites/{site:str}/blocks/{block:str}/settings", sync_to_thread=True)
    def save_settings(self, request: Request, site: FromPath[str], block: FromPath[str],
                      data: URLEncodedBody[BlockForm], editing: NamedDependency[Editing]) -> object:
        try:
            editing.update_block(user=request.user, site=site, block=block, settings=_block_settings(data))
        except (ConfigError, ValueError) as error:
            return self._editor(request, editing, site, block, status_code=400, error=str(error))
        return redirect(f"/admin/sites/{site}/blocks/{block}?saved=settings")

    @post("/sites/{site:str}/blocks/{block:str}/variants", sync_to_thread=True)
    def save_variant(self, request: Request, site: FromPath[str], block: FromPath[str], data: Form,
                     editing: NamedDependency[Editing]) -> object:
        original = data.get("original") or data.get("id", "")
        content = _content(data)
        if data.get("new_field") and data.get("new_value"):
            content[data["new_field"].strip()] = data["new_value"]
        try:
            applied = editing.save_variant(user=request.user, site=site, block=block, variant=original,
                                           content=content, new_id=data.get("id") or None)
        except (ConfigError, ValueError) as error:
            return self._editor(request, editing, site, block, status_code=400, error=str(error), form=data)
        if applied.stripped:  # stay on the page and say what sanitising removed
            return self._editor(request, editing, site, block, stripped=applied.stripped,
                                saved=f"variant {data.get('id') or original}")
        return redirect(f"/admin/sites/{site}/blocks/{block}?saved=variant")

    @post("/sites/{site:str}/blocks/{block:str}/variants/{variant:str}/delete", sync_to_thread=True)
    def delete_variant(self, request: Request, site: FromPath[str], block: FromPath[str], variant: FromPath[str],
                       editing: NamedDependency[Editing]) -> object:
        try:
            editing.delete_variant(user=request.user, site=site, block=block, variant=variant)
        except ConfigError as error:
            return self._editor(request, editing, site, block, status_code=400, error=str(error))
        return redirect(f"/admin/sites/{site}/blocks/{block}?saved=deleted")

    @post("/sites/{site:str}/blocks/{block:str}/rules", sync_to_thread=True)
    def save_rules(self, request: Request, site: FromPath[str], block: FromPath[str], data: URLEncodedBody[RulesForm],
                   editing: NamedDependency[Editing]) -> object:
        try:
            try:
                rules = tomllib.loads(data.rules).get("rules", [])
            except tomllib.TOMLDecodeError as error:
                raise ConfigError(f"rules: not valid TOML: {error}") from None
            editing.set_rules(user=request.user, site=site, block=block, rules=rules)
        except ConfigError as error:
            return self._editor(request, editing, site, block, status_code=400, error=str(error), rules=data.rules)
        return redirect(f"/admin/sites/{site}/blocks/{block}?saved=rules")

    @post("/sites/{site:str}/blocks/{block:str}/preview", sync_to_thread=False)
    def preview(self, request: Request, site: FromPath[str], block: FromPath[str], data: Form,
                editing: NamedDependency[Editing]) -> object:
        editing.block(site, block)
        content, stripped = clean_content({k: v for k, v in _content(data).items() if v})
        return render("_preview.html", request, editing.config, content=content, stripped=stripped)
