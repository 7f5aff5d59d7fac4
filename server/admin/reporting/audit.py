"""The audit log: every change with who, when, what, and the before and after (written by ConfigStore.apply)."""

from __future__ import annotations

from msgspec import Struct

from server.admin.db import AdminDb


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


def record(db: AdminDb, *, at: int, actor: str, action: str, target: str, summary: str) -> None:
    """For events that change no configuration (sign-in, user created)."""
    db.execute("INSERT INTO admin_audit (changed_at, actor, action, target, summary) VALUES (?, ?, ?, ?, ?)",
               [at, actor, action, target, summary])
