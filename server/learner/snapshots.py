"""Learner snapshots on disk: written whole or not at all, so a kill mid-write leaves the last good one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson


def save_snapshot(path: Path, state: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as file:
        file.write(orjson.dumps(state))
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def load_snapshot(path: Path) -> dict[str, Any] | None:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
