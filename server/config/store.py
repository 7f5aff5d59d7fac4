"""Versions of the live configuration: validated like the file, persisted in DuckDB, applied at once.

Precedence at start-up: the file (`--config`, or the demo) is recorded as a new version when it is
new or its bytes changed since the last start; otherwise the latest version wins, so admin edits
survive a restart until someone deploys a changed file.
"""

from __future__ import annotations

import logging
import threading
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

from server.admin.config_toml import digest, to_toml
from server.admin.db import AdminDb, now_ms
from server.config.loader import ConfigError, parse_config

if TYPE_CHECKING:
    from pathlib import Path

    from server.config.schema import Config
    from server.sites import SiteRegistry
    from server.storage.event_log import EventLog

log = logging.getLogger("attune.admin")


@dataclass(frozen=True, slots=True)
class Version:
    version: int
    at: int
    actor: str
    source: str
    file_digest: str | None
    toml: str


class ConfigStore:
    def __init__(self, event_log: EventLog) -> None:
        self.db = AdminDb(event_log)
        self.sites: SiteRegistry | None = None  # set once the registry exists; apply() updates it
        self._lock = threading.Lock()  # one edit at a time: each starts from the config the last one left

    def latest(self) -> Version | None:
        row = self.db.one("SELECT version, saved_at, actor, source, file_digest, toml FROM config_versions "
                          "ORDER BY version DESC LIMIT 1")
        return Version(*row) if row else None

    def resolve(self, file_config: Config, *, file_path: Path) -> Config:
        """The configuration to serve at start-up (see the module docstring for the precedence)."""
        file_digest = digest(file_path.read_bytes())
        latest = self.latest()
        if latest is not None and latest.file_digest == file_digest:
            try:
                return parse_config(tomllib.loads(latest.toml), source=f"live config v{latest.version}")
            except (ConfigError, tomllib.TOMLDecodeError) as error:
                log.error("the stored live configuration no longer loads (%s); serving %s", error, file_path)
        elif latest is not None:
            log.warning("%s changed since the last start: it replaces the live configuration (v%d)",
                        file_path, latest.version)
        with self.db.transaction() as cursor:
            self._save(cursor, file_config, actor="startup", source=str(file_path), file_digest=file_digest)
        return file_config

    def apply(self, new: Config, *, actor: str, action: str, target: str, summary: str,
              before: object = None, after: object = None) -> int:
        """Persist `new` as the next version with its audit entry (one transaction), then serve it."""
        assert self.sites is not None, "ConfigStore.apply before the registry was attached"
        with self._lock:  # held until served: the registry never goes back to an older version
            latest = self.latest()
            with self.db.transaction() as cursor:
                version = self._save(cursor, new, actor=actor, source=action,
                                     file_digest=latest.file_digest if latest else None)
                cursor.execute(
                    "INSERT INTO admin_audit (changed_at, actor, action, target, summary, before, after) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [now_ms(), actor, action, target, summary, _json(before), _json(after)],
                )
            self.sites.apply(new)
        return version

    def _save(self, cursor, config: Config, *, actor: str, source: str, file_digest: str | None) -> int:
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
