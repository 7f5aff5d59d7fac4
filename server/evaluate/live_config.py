"""The configuration the server serves, read without writing: the file, or the admin's latest version of it.

Mirrors ConfigStore.resolve (server/admin/config_store.py): a stored version made from the very
same file bytes wins, so admin edits (reward weights, variants) count here as they do live.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb

from server.admin.config_toml import digest
from server.config.loader import DEMO_CONFIG, ConfigError, load_config, parse_config
from server.config.schema import Config


def live_config(connection: duckdb.DuckDBPyConnection, file_path: Path | None) -> tuple[Config, str]:
    """The configuration and where it came from; raises ConfigError as loading the file would."""
    path = file_path or DEMO_CONFIG
    file_config = load_config(path)
    has_versions = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'config_versions'"
    ).fetchone()[0]
    if not has_versions:
        return file_config, str(path)
    latest = connection.execute(
        "SELECT version, file_digest, toml FROM config_versions ORDER BY version DESC LIMIT 1"
    ).fetchone()
    if latest is None or latest[1] != digest(path.read_bytes()):
        return file_config, str(path)  # a changed file replaces the live version at the next start
    try:
        return parse_config(tomllib.loads(latest[2]), source=f"live config v{latest[0]}"), f"live config v{latest[0]}"
    except (ConfigError, tomllib.TOMLDecodeError):
        return file_config, str(path)  # as the server does: a stored version that no longer loads gives way
