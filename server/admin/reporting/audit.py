"""The audit log, read: every change with who, when, what, and the before and after.

Written by ConfigStore.apply (config changes) and server/storage/admin_db.record (users, sign-in)."""

from __future__ import annotations

from msgspec import Struct

from server.storage.admin_db import AdminDb


class AuditEntry(Struct):
    id: int
    at: int  # ms since the epoch
    actor: str
    action: str
    target: str
    summary: str
    before: str | None
    after: str | None


def recent(db: AdminDb, *, limit: int = 100, target: str | None = None) -> list[AuditEntry]:
    where, params = ("WHERE target = ? OR starts_with(target, ?)", [target, f"{target}/"]) if target else ("", [])
    rows = db.all(f"SELECT id, changed_at, actor, action, target, summary, before, after FROM admin_audit {where} "
                  "ORDER BY id DESC LIMIT ?", [*params, limit])
    return [AuditEntry(*row) for row in rows]
