"""The configuration the server serves, read without writing: the file, or the admin's latest version of it.

Decided by server/config/store.py's live_config, the same function `attune serve` starts from, so
admin edits (reward weights, variants) count here as they do live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.config import store
from server.config.loader import DEMO_CONFIG, load_config

if TYPE_CHECKING:
    from pathlib import Path

    import duckdb

    from server.config.schema import Config


def live_config(connection: duckdb.DuckDBPyConnection, file_path: Path | None) -> tuple[Config, str]:
    """The configuration and where it came from; raises ConfigError as loading the file would."""
    path = file_path or DEMO_CONFIG
    live = store.live_config(connection, load_config(path), file_path=path)
    return live.config, live.source
