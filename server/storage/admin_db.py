"""Admin tables in the event log's DuckDB file, each call on its own short-lived cursor.

The writer thread keeps its own cursor; DuckDB gives every cursor its own transaction, and the
admin tables are separate from `decisions` and `events`, so admin writes never conflict with the log.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from server.storage.event_log import EventLog

SCHEMA = """
CREATE TABLE IF NOT EXISTS admin_users (
    name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, password_hash VARCHAR NOT NULL, created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS admin_sessions (
    token_hash VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS admin_audit_id;
CREATE TABLE IF NOT EXISTS admin_audit (
    id BIGINT PRIMARY KEY DEFAULT nextval('admin_audit_id'), changed_at BIGINT NOT NULL, actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL, target VARCHAR NOT NULL, summary VARCHAR NOT NULL, before VARCHAR, after VARCHAR
);
CREATE TABLE IF NOT EXISTS config_versions (
    version BIGINT PRIMARY KEY, saved_at BIGINT NOT NULL, actor VARCHAR NOT NULL, source VARCHAR NOT NULL,
    file_digest VARCHAR, toml VARCHAR NOT NULL
);
"""


class AdminDb:
    """Small helpers over the event log's connection: a fresh cursor per call, safe from any thread."""

    def __init__(self, event_log: EventLog) -> None:
        self._log = event_log
        with self.cursor() as cursor:
            cursor.execute(SCHEMA)

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cursor = self._log.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.cursor() as cursor:
            cursor.execute("BEGIN")
            try:
                yield cursor
                cursor.execute("COMMIT")
            except Exception:
                cursor.execute("ROLLBACK")
                raise

    def all(self, sql: str, params: list[Any] | tuple = ()) -> list[tuple]:
        with self.cursor() as cursor:
            return cursor.execute(sql, params).fetchall()

    def one(self, sql: str, params: list[Any] | tuple = ()) -> tuple | None:
        with self.cursor() as cursor:
            return cursor.execute(sql, params).fetchone()

    def execute(self, sql: str, params: list[Any] | tuple = ()) -> None:
        with self.cursor() as cursor:
            cursor.execute(sql, params)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def record(db: AdminDb, *, at: int, actor: str, action: str, target: str, summary: str) -> None:
    """For events that change no configuration (sign-in, user created)."""
    db.execute("INSERT INTO admin_audit (changed_at, actor, action, target, summary) VALUES (?, ?, ?, ?, ?)",
               [at, actor, action, target, summary])
