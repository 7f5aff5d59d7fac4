"""Find the built widget and describe it: its core and lazy chunk, the build's version, the core's SRI hash."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

WIDGET_DIST = Path(__file__).resolve().parents[2] / "widget" / "dist"
WIDGET_BUILD = WIDGET_DIST / "attune.js"
CHUNK = "attune-preferences.js"  # the lazy chunk (banner, preference center), loaded by the core from beside it


@dataclass(frozen=True, slots=True)
class Bundle:
    body: bytes
    chunk: bytes
    version: str  # first 12 hex digits of the sha256 of core and chunk: changes whenever either does
    integrity: str  # Subresource Integrity value of the core, for the <script> tag

    @property
    def versioned_path(self) -> str:
        return f"/v1/widget/{self.version}/attune.js"


_cache: dict[tuple[Path, float, float], Bundle] = {}


def load_bundle(path: Path = WIDGET_BUILD) -> Bundle | None:
    """The current build, re-read only when a file changes (a rebuild needs no restart); None if not built."""
    chunk = path.with_name(CHUNK)
    try:
        key = (path, path.stat().st_mtime, chunk.stat().st_mtime)
    except FileNotFoundError:
        return None
    if key not in _cache:
        _cache.clear()
        _cache[key] = _describe(path.read_bytes(), chunk.read_bytes())
    return _cache[key]


def _describe(body: bytes, chunk: bytes) -> Bundle:
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    # one version for the pair: a pinned core loads the chunk of its own build from the same folder
    version = hashlib.sha256(hashlib.sha256(body).digest() + hashlib.sha256(chunk).digest()).hexdigest()[:12]
    return Bundle(body=body, chunk=chunk, version=version, integrity=integrity)
