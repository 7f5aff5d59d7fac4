"""Versions of the live configuration: validated like the file, persisted in DuckDB, applied at once.

Precedence at start-up: the file (`--config`, or the demo) is recorded as a new version when it is
new or its bytes changed since the last start; otherwise the latest version wins, so admin edits
survive a restart until someone deploys a changed file. `attune serve` (start_config) and
`attune evaluate` (live_config, read-only) decide this with the same function.
"""

from __future__ import annotations

import logging
import threading
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

from server.config.loader import ConfigError, parse_config
from server.config.toml import digest, to_toml
from server.storage.admin_db import now_ms

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import duckdb

    from server.config.schema import Config
    from server.sites import SiteRegistry
    from server.storage.admin_db import AdminDb

log = logging.getLogger("attune.admin")  # the name its lines have always carried in the server log
LATEST = "SELECT version, saved_at, actor, source, file_digest, toml FROM config_versions ORDER BY version DESC LIMIT 1"


@dataclass(frozen=True, slots=True)
class Version:
    version: int
    at: int
    actor: str
    source: str
    file_digest: str | None
    toml: str


@dataclass(frozen=True, slots=True)
class Live:
    """The configuration to serve, where it came from, and what start-up should record or say about it."""

    config: Config
    source: str  # "live config v3", or the file's path
    file_digest: str
    latest: Version | None  # the newest stored version, whether it won or not
    stored: bool  # True: the stored version won; False: the file is served (and recorded at start-up)
    unloadable: str | None = None  # why the newest stored version, made from this file, no longer loads


def latest_version(connection: duckdb.DuckDBPyConnection) -> Version | None:
    """The newest stored version; None before the first (also where the table does not exist yet)."""
    has_versions = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'config_versions'").fetchone()[0]
    row = connection.execute(LATEST).fetchone() if has_versions else None
    return Version(*row) if row else None


def live_config(connection: duckdb.DuckDBPyConnection, file_config: Config, *, file_path: Path) -> Live:
    """Read-only: a stored version made from the very same file bytes wins, so admin edits count."""
    file_digest = digest(file_path.read_bytes())
    latest = latest_version(connection)
    if latest is not None and latest.file_digest == file_digest:
        source = f"live config v{latest.version}"
        try:
            return Live(parse_config(tomllib.loads(latest.toml), source=source), source, file_digest, latest, True)
        except (ConfigError, tomllib.TOMLDecodeError) as error:
            return Live(file_config, str(file_path), file_digest, latest, False, unloadable=str(error))
    return Live(file_config, str(file_path), file_digest, latest, False)


def start_config(db: AdminDb, file_config: Config, *, file_path: Path) -> Config:
    """The configuration to serve at start-up; a file that wins is recorded as the next version."""
    with db.cursor() as cursor:
        live = live_config(cursor, file_config, file_path=file_path)
    if live.stored:
        return live.config
    if live.unloadable:
        log.error("the stored live configuration no longer loads (%s); serving %s", live.unloadable, file_path)
    elif live.latest is not None:
        log.warning("%s changed since the last start: it replaces the live configuration (v%d)",
                    file_path, live.latest.version)
    with db.transaction() as cursor:
        _save(cursor, file_config, actor="startup", source=str(file_path), file_digest=live.file_digest)
    return file_config


class ConfigStore:
    """Applies edits: each is the next version, saved with its audit entry, then served by `sites`."""

    def __init__(self, *, db: AdminDb, sites: SiteRegistry) -> None:
        self.db = db
        self.sites = sites
        self._lock = threading.Lock()  # one edit at a time: each starts from the config the last one left
        self.on_applied: Callable[[int, Config], None] | None = None  # scaled mode: publish to the edges

    @property
    def config(self) -> Config:
        return self.sites.config

    def latest(self) -> Version | None:
        with self.db.cursor() as cursor:
            return latest_version(cursor)

    def apply(self, new: Config, *, actor: str, action: str, target: str, summary: str,
              before: object = None, after: object = None) -> int:
        """Persist `new` as the next version with its audit entry (one transaction), then serve it."""
        with self._lock:  # held until served: the registry never goes back to an older version
            latest = self.latest()
            with self.db.transaction() as cursor:
                version = _save(cursor, new, actor=actor, source=action,
                                file_digest=latest.file_digest if latest else None)
                cursor.execute(
                    "INSERT INTO admin_audit (changed_at, actor, action, target, summary, before, after) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [now_ms(), actor, action, target, summary, _json(before), _json(after)],
                )
            self.sites.apply(new)
            if self.on_applied is not None:  # under the lock: versions reach the edges in order
                self.on_applied(version, new)
        return version


def _save(cursor, config: Config, *, actor: str, source: str, file_digest: str | None) -> int:
    row = cursor.execute("SELECT coalesce(max(version), 0) + 1 FROM config_versions").fetchone()
    cursor.execute("INSERT INTO config_versions VALUES (?, ?, ?, ?, ?, ?)",
                   [row[0], now_ms(), actor, source, file_digest, to_toml(config)])
    return int(row[0])


def _json(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
