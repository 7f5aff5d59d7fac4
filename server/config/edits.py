"""Edits to the live configuration: each builds the next config as plain data and validates it exactly
as the TOML file is validated (msgspec schema + loader checks), so an error names the key.

Variant HTML arrives here already sanitised (server/admin/editing/service.py does it on save)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server.config.loader import parse_config
from server.config.toml import to_raw, to_toml
from server.sites import UnknownBlock, UnknownSite

if TYPE_CHECKING:
    from server.config.schema import Config

SOURCE = "admin"  # error messages read "admin: sites[0].blocks[1].fallback: ..."


@dataclass(slots=True)
class Change:
    config: Config
    target: str  # "pk_demo/hero"
    summary: str
    before: Any
    after: Any


def _find(raw: dict, site: str, block: str | None = None) -> tuple[dict, dict | None]:
    found = next((s for s in raw["sites"] if s["key"] == site), None)
    if found is None:
        raise UnknownSite(f"unknown site {site!r}")
    if block is None:
        return found, None
    chosen = next((b for b in found.get("blocks", []) if b["id"] == block), None)
    if chosen is None:
        raise UnknownBlock(f"unknown block {block!r} for site {site!r}")
    return found, chosen


def _change(config: Config, site: str, block: str | None, edit, summary: str) -> Change:
    raw = to_raw(config)
    site_raw, block_raw = _find(raw, site, block)
    part = block_raw if block is not None else {k: v for k, v in site_raw.items() if k != "blocks"}
    before = copy.deepcopy(part)
    edit(site_raw, block_raw)
    after = block_raw if block is not None else {k: v for k, v in site_raw.items() if k != "blocks"}
    new = parse_config(raw, source=SOURCE)
    target = f"{site}/{block}" if block else site
    return Change(new, target, summary, before, copy.deepcopy(after))


def set_enabled(config: Config, *, site: str, block: str, enabled: bool) -> Change:
    def edit(_, b):
        b["enabled"] = enabled
    return _change(config, site, block, edit, f"switched {block} {'on' if enabled else 'off'}")


BLOCK_SETTINGS = ("enabled", "policy", "fallback", "exploration", "feedback", "split")


def update_block(config: Config, *, site: str, block: str, settings: dict[str, Any]) -> Change:
    """Set any of BLOCK_SETTINGS; a `split` of None removes it."""
    def edit(_, b):
        for key, value in settings.items():
            if key not in BLOCK_SETTINGS:
                raise KeyError(key)
            if value is None:
                b.pop(key, None)
            else:
                b[key] = value
    return _change(config, site, block, edit, f"changed {', '.join(settings)} of {block}")


def save_variant(config: Config, *, site: str, block: str, variant: str, content: dict[str, str],
                 new_id: str | None = None) -> Change:
    """Create or replace a variant (renamed to `new_id` if given); empty fields are left out."""
    content = {k: v for k, v in content.items() if v != ""}

    def edit(_, b):
        existing = next((v for v in b["variants"] if v["id"] == variant), None)
        if existing is None:
            b["variants"].append({"id": new_id or variant, "content": content})
            return
        existing["content"] = content
        if new_id and new_id != variant:
            existing["id"] = new_id
            _rename(b, variant, new_id)
    return _change(config, site, block, edit, f"saved variant {new_id or variant} of {block}")


def _rename(block: dict, old: str, new: str) -> None:
    """A renamed variant keeps its place as fallback, in the split and in rules."""
    if block.get("fallback") == old:
        block["fallback"] = new
    if old in (block.get("split") or {}):
        block["split"][new] = block["split"].pop(old)
    for rule in block.get("rules", []):
        if rule.get("force") == old:
            rule["force"] = new
        for key in ("only", "exclude"):
            if rule.get(key):
                rule[key] = [new if v == old else v for v in rule[key]]


def delete_variant(config: Config, *, site: str, block: str, variant: str) -> Change:
    def edit(_, b):
        b["variants"] = [v for v in b["variants"] if v["id"] != variant]
    return _change(config, site, block, edit, f"deleted variant {variant} of {block}")


def set_rules(config: Config, *, site: str, block: str, rules: list[dict[str, Any]]) -> Change:
    def edit(_, b):
        b["rules"] = rules
    return _change(config, site, block, edit, f"changed the rules of {block} ({len(rules)} now)")


def replace_block(config: Config, *, site: str, block: str, raw_block: dict[str, Any]) -> Change:
    """The whole block as the config file would hold it (the API's PUT)."""
    def edit(_, b):
        b.clear()
        b.update(raw_block, id=block)
    return _change(config, site, block, edit, f"replaced block {block}")


SITE_SETTINGS = ("name", "allowed_origins", "consent", "reward_window", "reward_weights", "holdout_share")


def update_site(config: Config, *, site: str, settings: dict[str, Any]) -> Change:
    def edit(s, _):
        for key, value in settings.items():
            if key not in SITE_SETTINGS:
                raise KeyError(key)
            s[key] = value
    return _change(config, site, None, edit, f"changed {', '.join(settings)} of site {site}")


def import_config(config: Config, new: Config) -> Change:
    """The whole configuration replaced (config as code); before and after are its TOML."""
    return Change(new, "config", f"imported a configuration ({len(new.sites)} site(s))", to_toml(config), to_toml(new))
