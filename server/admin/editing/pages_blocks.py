"""Pages for sites and blocks: the list with on/off switches, the block editor, variants with live preview."""

from __future__ import annotations

import math
import tomllib

import tomli_w
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from server.admin import edits
from server.admin.config_toml import to_raw
from server.admin.pages_common import Form, is_htmx, lines, redirect, render
from server.admin.sanitise import clean
from server.admin.service import Admin
from server.config.loader import ConfigError

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


class BlockPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/", sync_to_thread=False)
    def home(self, admin: NamedDependency[Admin]) -> object:
        return redirect(f"/admin/sites/{admin.config.sites[0].key}/blocks")

    @get("/sites/{site:str}", sync_to_thread=False)
    def site(self, request: Request, site: FromPath[str], admin: NamedDependency[Admin]) -> object:
        found = admin.site(site)
        return render("site.html", request, admin, title=f"Site {found.name or found.key}", site=found,
                      snippet=admin.snippet(site, str(request.base_url)), error=None)

    @post("/sites/{site:str}", sync_to_thread=True)
    def save_site(self, request: Request, site: FromPath[str], data: Form, admin: NamedDependency[Admin]) -> object:
        try:
            weights = {k: _number(f"w_{k}", data[f"w_{k}"]) for k in WEIGHTS if data.get(f"w_{k}", "") != ""}
            settings = {"name": data.get("name", ""), "allowed_origins": lines(data.get("allowed_origins", "")),
                        "consent": data.get("consent", ""), "reward_window": int(data.get("reward_window", "0")),
                        "holdout_share": _number("holdout_share", data.get("holdout_share", "0")),
                        "reward_weights": weights}
            change = edits.update_site(admin.config, site=site, settings=settings)
        except (ConfigError, ValueError) as error:  # shown again as typed, to fix rather than retype
            return render("site.html", request, admin, status_code=400, title="Site", site=admin.site(site),
                          snippet=admin.snippet(site, str(request.base_url)), error=str(error), typed=data)
        admin.apply(change, user=request.user, action="update-site")
        return redirect(f"/admin/sites/{site}?saved=1")

    @get("/sites/{site:str}/blocks", sync_to_thread=False)
    def blocks(self, request: Request, site: FromPath[str], admin: NamedDependency[Admin]) -> object:
        found = admin.site(site)
        return render("blocks.html", request, admin, title=f"Blocks of {found.name or found.key}", site=found)

    @post("/sites/{site:str}/blocks/{block:str}/enabled", sync_to_thread=True)
    def toggle(self, request: Request, site: FromPath[str], block: FromPath[str], data: Form,
               admin: NamedDependency[Admin]) -> object:
        change = edits.set_enabled(admin.config, site=site, block=block, enabled=data.get("enabled") == "on")
        admin.apply(change, user=request.user, action="toggle-block")
        if is_htmx(request):
            return render("_toggle.html", request, admin, site=admin.site(site), block=admin.block(site, block),
                          announce=f"{block} is now {'on' if admin.block(site, block).enabled else 'off'}")
        return redirect(f"/admin/sites/{site}/blocks")

    @get("/sites/{site:str}/blocks/{block:str}", sync_to_thread=False)
    def block(self, request: Request, site: FromPath[str], block: FromPath[str],
              admin: NamedDependency[Admin]) -> object:
        return self._editor(request, admin, site, block)

    def _editor(self, request: Request, admin: Admin, site: str, block: str, *, status_code: int = 200,
                error: str | None = None, stripped: list[str] | None = None, saved: str | None = None,
                form: dict | None = None, rules: str | None = None) -> object:
        found = admin.block(site, block)
        if rules is None:
            rules = tomli_w.dumps({"rules": to_raw(found)["rules"]}) if found.rules else ""
        draft = None
        if form is not None:  # a refused variant edit: shown again as typed, to fix rather than retype
            content = {k.removeprefix("content."): v for k, v in form.items() if k.startswith("content.")}
            original = form.get("original", "")
            slot = next((str(i) for i, v in enumerate(found.variants, 1) if v.id == original), "new")
            draft = {"original": original, "id": form.get("id", ""), "content": content, "slot": slot}
        return render("block.html", request, admin, status_code=status_code, title=f"Block {block}",
                      site=admin.site(site), block=found, rules_toml=rules, error=error, stripped=stripped or [],
                      saved=saved or request.query_params.get("saved"), fields=STANDARD_FIELDS, draft=draft)

    @post("/sites/{site:str}/blocks/{block:str}/settings", sync_to_thread=True)
    def save_settings(self, request: Request, site: FromPath[str], block: FromPath[str], data: Form,
                      admin: NamedDependency[Admin]) -> object:
        try:
            split = {}
            for line in lines(data.get("split", "")):
                name, _, share = line.partition("=")
                split[name.strip()] = _number(f"split: {name.strip()}", share)
            settings = {"enabled": data.get("enabled") == "on", "policy": data.get("policy"),
                        "fallback": data.get("fallback"),
                        "exploration": _number("exploration", data.get("exploration", "0")),
                        "feedback": data.get("feedback"), "split": split or None}
            change = edits.update_block(admin.config, site=site, block=block, settings=settings)
        except (ConfigError, ValueError) as error:
            return self._editor(request, admin, site, block, status_code=400, error=str(error))
        admin.apply(change, user=request.user, action="update-block")
        return redirect(f"/admin/sites/{site}/blocks/{block}?saved=settings")

    @post("/sites/{site:str}/blocks/{block:str}/variants", sync_to_thread=True)
    def save_variant(self, request: Request, site: FromPath[str], block: FromPath[str], data: Form,
                     admin: NamedDependency[Admin]) -> object:
        original = data.get("original") or data.get("id", "")
        content = {k.removeprefix("content."): v for k, v in data.items() if k.startswith("content.")}
        if data.get("new_field") and data.get("new_value"):
            content[data["new_field"].strip()] = data["new_value"]
        try:
            change = edits.save_variant(admin.config, site=site, block=block, variant=original, content=content,
                                        new_id=data.get("id") or None)
        except (ConfigError, ValueError) as error:
            return self._editor(request, admin, site, block, status_code=400, error=str(error), form=data)
        admin.apply(change, user=request.user, action="save-variant")
        if change.stripped:  # stay on the page and say what sanitising removed
            return self._editor(request, admin, site, block, stripped=change.stripped,
                                saved=f"variant {data.get('id') or original}")
        return redirect(f"/admin/sites/{site}/blocks/{block}?saved=variant")

    @post("/sites/{site:str}/blocks/{block:str}/variants/{variant:str}/delete", sync_to_thread=True)
    def delete_variant(self, request: Request, site: FromPath[str], block: FromPath[str], variant: FromPath[str],
                       admin: NamedDependency[Admin]) -> object:
        try:
            change = edits.delete_variant(admin.config, site=site, block=block, variant=variant)
        except ConfigError as error:
            return self._editor(request, admin, site, block, status_code=400, error=str(error))
        admin.apply(change, user=request.user, action="delete-variant")
        return redirect(f"/admin/sites/{site}/blocks/{block}?saved=deleted")

    @post("/sites/{site:str}/blocks/{block:str}/rules", sync_to_thread=True)
    def save_rules(self, request: Request, site: FromPath[str], block: FromPath[str], data: Form,
                   admin: NamedDependency[Admin]) -> object:
        try:
            try:
                rules = tomllib.loads(data.get("rules", "")).get("rules", [])
            except tomllib.TOMLDecodeError as error:
                raise ConfigError(f"rules: not valid TOML: {error}") from None
            change = edits.set_rules(admin.config, site=site, block=block, rules=rules)
        except ConfigError as error:
            return self._editor(request, admin, site, block, status_code=400, error=str(error),
                                rules=data.get("rules", ""))
        admin.apply(change, user=request.user, action="update-rules")
        return redirect(f"/admin/sites/{site}/blocks/{block}?saved=rules")

    @post("/sites/{site:str}/blocks/{block:str}/preview", sync_to_thread=False)
    def preview(self, request: Request, site: FromPath[str], block: FromPath[str], data: Form,
                admin: NamedDependency[Admin]) -> object:
        admin.block(site, block)
        content = {k.removeprefix("content."): v for k, v in data.items() if k.startswith("content.") and v}
        stripped: list[str] = []
        if "html" in content:
            content["html"], stripped = clean(content["html"])
        return render("_preview.html", request, admin, content=content, stripped=stripped)
