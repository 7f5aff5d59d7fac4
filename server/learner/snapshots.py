"""Learner snapshots on disk: written whole or not at all, so a kill mid-write leaves the last good one.

The reward join can hold a million pending decisions. Encoding them in one call would hold
the GIL (and stall every request) for a long time, so its lists are written to the file a
chunk at a time, with a short sleep between chunks that lets waiting requests run.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import IO, Any

import orjson

ROWS_PER_CALL = 1024  # one orjson call holds the GIL for well under a millisecond
YIELD_SECONDS = 0.0005  # between calls the learner sleeps, so a waiting request takes the GIL at once


def write_snapshot(file: IO[bytes], state: dict[str, Any]) -> None:
    """Write `state` as one JSON object, its "join" lists streamed in chunks.

    >>> state = {"learned": 3, "join": {"ids": list(range(2500)), "rows": [[i] for i in range(2500)]}}
    >>> out = io.BytesIO(); write_snapshot(out, state); orjson.loads(out.getvalue()) == state
    True
    >>> out = io.BytesIO(); write_snapshot(out, {"join": {"ids": []}}); out.getvalue()
    b'{"join":{"ids":[]}}'
    """
    rest = orjson.dumps({key: value for key, value in state.items() if key != "join"})
    file.write(rest[:-1] + (b',"join":{' if len(rest) > 2 else b'"join":{'))
    for n, (name, rows) in enumerate(state.get("join", {}).items()):
        file.write((b"," if n else b"") + orjson.dumps(name) + b":[")
        for start in range(0, len(rows), ROWS_PER_CALL):
            file.write((b"," if start else b"") + orjson.dumps(rows[start:start + ROWS_PER_CALL])[1:-1])
            time.sleep(YIELD_SECONDS)
        file.write(b"]")
    file.write(b"}}")


def save_snapshot(path: Path, state: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as file:
        write_snapshot(file, state)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def load_snapshot(path: Path) -> dict[str, Any] | None:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
