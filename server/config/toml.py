"""The live configuration as the TOML `attune serve --config` reads, and a readable diff of two of them."""

from __future__ import annotations

import difflib
import hashlib
import tomllib
from typing import TYPE_CHECKING, Any

import msgspec
import tomli_w

from server.config.loader import ConfigError, parse_config

if TYPE_CHECKING:
    from server.config.schema import Config

HEADER = "# Attune configuration, exported from the admin page; `attune serve --config FILE` reads it.\n"


def to_raw(config: Config) -> dict[str, Any]:
    """Plain dicts and lists as a TOML file holds them (no nulls: TOML has none)."""
    return _without_none(msgspec.to_builtins(config))


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def to_toml(config: Config) -> str:
    return HEADER + tomli_w.dumps(to_raw(config))


def parse_toml(text: str, source: str) -> Config:
    """A configuration from TOML text, validated as the file is; ConfigError names the key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    return parse_config(raw, source=source)


def digest(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def diff(before: str, after: str, *, before_name: str = "live", after_name: str = "imported") -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=before_name, tofile=after_name, n=2)
    return "".join(lines)
