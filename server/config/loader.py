"""Load and check a TOML configuration; every error names the key and what is wrong with it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import msgspec
import nh3

from server.config.schema import Block, Config, Site
from server.config.surveys_schema import check_surveys

DEMO_CONFIG = Path(__file__).with_name("demo.toml")
_PATH_IN_ERROR = re.compile(r" - at `\$(?P<path>[^`]*)`$")


class ConfigError(ValueError):
    """A configuration that cannot be served; the message names the key."""


def load_config(path: Path | None = None) -> Config:
    path = path or DEMO_CONFIG
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return parse_config(raw, source=str(path))


def parse_config(raw: dict, *, source: str = "config") -> Config:
    try:
        config = msgspec.convert(raw, Config)
    except msgspec.ValidationError as error:
        message = str(error)
        match = _PATH_IN_ERROR.search(message)
        key = match["path"].lstrip(".") if match else "(top level)"
        raise ConfigError(f"{source}: {key}: {_PATH_IN_ERROR.sub('', message)}") from None
    check_config(config, source=source)
    return sanitised(config)


def check_config(config: Config, *, source: str = "config") -> None:
    """Checks msgspec cannot express: references between keys and uniqueness."""
    _unique([s.key for s in config.sites], f"{source}: sites", "key")
    for i, site in enumerate(config.sites):
        _check_site(site, f"{source}: sites[{i}]")


def _check_site(site: Site, where: str) -> None:
    _unique([b.id for b in site.blocks], f"{where}.blocks", "id")
    for origin in site.allowed_origins:
        if origin != "*" and not re.match(r"^https?://[^/\s]+$", origin):
            raise ConfigError(f"{where}.allowed_origins: {origin!r} is not an origin like 'https://shop.example'")
    for j, block in enumerate(site.blocks):
        _check_block(block, f"{where}.blocks[{j}]")
    check_surveys(site.surveys, where)


def _check_block(block: Block, where: str) -> None:
    ids = [v.id for v in block.variants]
    _unique(ids, f"{where}.variants", "id")
    known = ", ".join(ids)
    if block.fallback not in ids:
        raise ConfigError(f"{where}.fallback: {block.fallback!r} is not one of the block's variants ({known})")
    if block.policy == "fixed" and not block.split:
        raise ConfigError(f"{where}.split: a 'fixed' policy needs a split, e.g. split = {{ {ids[0]} = 1 }}")
    for name in block.split or {}:
        if name not in ids:
            raise ConfigError(f"{where}.split: {name!r} is not one of the block's variants ({known})")
    for k, rule in enumerate(block.rules):
        actions = [a for a in (rule.force, rule.only, rule.exclude) if a is not None]
        if len(actions) != 1:
            raise ConfigError(f"{where}.rules[{k}]: give exactly one of force, only or exclude")
        for name in [rule.force] if rule.force else (rule.only or rule.exclude or []):
            if name not in ids:
                raise ConfigError(f"{where}.rules[{k}]: {name!r} is not one of the block's variants ({known})")


def _unique(values: list[str], where: str, field: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise ConfigError(f"{where}: {field} {value!r} appears twice")
        seen.add(value)


def sanitised(config: Config) -> Config:
    """Clean every `html` content field so the widget can insert it as the site owner meant it."""
    for site in config.sites:
        for block in site.blocks:
            for variant in block.variants:
                if "html" in variant.content:
                    variant.content["html"] = nh3.clean(variant.content["html"])
    return config
