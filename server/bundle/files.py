"""Find the built widget and describe it: bytes, content hash for the versioned URL, SRI hash."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

WIDGET_BUILD = Path(__file__).resolve().parents[2] / "widget" / "dist" / "attune.js"


@dataclass(frozen=True, slots=True)
class Bundle:
    body: bytes
    version: str  # first 12 hex digits of its sha256: changes whenever the bytes do
    integrity: str  # Subresource Integrity value for the <script> tag

    @property
    def versioned_path(self) -> str:
        return f"/v1/widget/{self.version}/attune.js"


_cache: dict[tuple[Path, float], Bundle] = {}


def load_bundle(path: Path = WIDGET_BUILD) -> Bundle | None:
    """The current build, re-read only when the file changes (a rebuild needs no restart)."""
    try:
        key = (path, path.stat().st_mtime)
    except FileNotFoundError:
        return None
    if key not in _cache:
        _cache.clear()
        _cache[key] = _describe(path.read_bytes())
    return _cache[key]


def _describe(body: bytes) -> Bundle:
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    return Bundle(body=body, version=hashlib.sha256(body).hexdigest()[:12], integrity=integrity)
