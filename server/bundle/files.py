"""Find the built widget and describe it: its core and lazy chunk, the build's version, the core's SRI hash."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

WIDGET_DIST = Path(__file__).resolve().parents[2] / "widget" / "dist"
WIDGET_BUILD = WIDGET_DIST / "attune.js"
CHUNK = "attune-preferences.js"  # the lazy chunk (banner, preference center), loaded by the core from beside it
SURVEYS = "attune-surveys.js"  # the survey chunk, loaded the same way
TEXTS = "texts"  # texts/<lang>.json: the chunks' shipped texts in other languages


@dataclass(frozen=True, slots=True)
class Bundle:
    body: bytes
    chunk: bytes
    version: str  # first 12 hex digits of the sha256 of core and chunk: changes whenever either does
    integrity: str  # Subresource Integrity value of the core, for the <script> tag
    surveys: bytes = b""
    texts: dict[str, bytes] = field(default_factory=dict)  # "de.json" -> its bytes

    @property
    def versioned_path(self) -> str:
        return f"/v1/widget/{self.version}/attune.js"


_cache: dict[tuple[Path, float, float], Bundle] = {}


def load_bundle(path: Path = WIDGET_BUILD) -> Bundle | None:
    """The current build, re-read only when a file changes (a rebuild needs no restart); None if not built."""
    chunk = path.with_name(CHUNK)
    extras = [path.with_name(SURVEYS), *sorted(path.with_name(TEXTS).glob("*.json"))]  # older builds lack them
    try:
        key = (path, path.stat().st_mtime, chunk.stat().st_mtime,
               *(extra.stat().st_mtime for extra in extras if extra.exists()))
    except FileNotFoundError:
        return None
    if key not in _cache:
        _cache.clear()
        surveys = extras[0].read_bytes() if extras[0].exists() else b""
        _cache[key] = _describe(path.read_bytes(), chunk.read_bytes(), surveys,
                                {text.name: text.read_bytes() for text in extras[1:]})
    return _cache[key]


def _describe(body: bytes, chunk: bytes, surveys: bytes = b"", texts: dict[str, bytes] | None = None) -> Bundle:
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    texts = texts or {}
    # one version for the set: a pinned core loads the chunks and texts of its own build from the same folder
    parts = [body, chunk, *([surveys] if surveys else []), *(texts[name] for name in sorted(texts))]
    version = hashlib.sha256(b"".join(hashlib.sha256(part).digest() for part in parts)).hexdigest()[:12]
    return Bundle(body=body, chunk=chunk, version=version, integrity=integrity, surveys=surveys, texts=texts)
