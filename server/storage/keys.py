"""Secrets kept in the data directory: made once, readable only by the server's user."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def load_or_create_key(path: Path) -> bytes:
    """The 32-byte secret in `path`, made on first use (visitor hashes, the admin's CSRF tokens)."""
    if path.exists():
        return path.read_bytes()
    key = secrets.token_bytes(32)
    path.write_bytes(key)
    path.chmod(0o600)
    return key
