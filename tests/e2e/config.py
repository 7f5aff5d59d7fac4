"""The attune configuration the end-to-end tests run against (attune-e2e.toml), and its variants' content."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path

TEMPLATE = Path(__file__).with_name("attune-e2e.toml")


def render_config(origin: str) -> str:
    """The configuration with `origin` (the test pages' own) as every site's one allowed origin."""
    return string.Template(TEMPLATE.read_text()).substitute(origin=origin)


def content(site: str, block: str, variant: str) -> dict[str, str]:
    """A variant's content as configured, to compare with what a block shows."""
    config = tomllib.loads(render_config("http://127.0.0.1:1"))
    (found,) = [v["content"] for s in config["sites"] if s["key"] == site for b in s["blocks"] if b["id"] == block
                for v in b["variants"] if v["id"] == variant]
    return found
