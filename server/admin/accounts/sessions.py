"""Sign-in sessions: a random token in an HttpOnly cookie; the server keeps only its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from litestar.datastructures import Cookie

from server.admin.accounts.users import AdminUser
from server.storage.admin_db import AdminDb, now_ms

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection

COOKIE = "attune_admin"
LIFETIME_MS = 12 * 3600 * 1000  # a working day; sign in again after


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, db: AdminDb) -> None:
        self.db = db

    def create(self, user: AdminUser) -> str:
        token = secrets.token_urlsafe(32)
        now = now_ms()
        self.db.execute("DELETE FROM admin_sessions WHERE expires_at < ?", [now])  # housekeeping on each sign-in
        self.db.execute("INSERT INTO admin_sessions VALUES (?, ?, ?, ?)",
                        [_hash(token), user.name, now, now + LIFETIME_MS])
        return token

    def user_for(self, token: str | None) -> AdminUser | None:
        if not token:
            return None
        row = self.db.one(
            "SELECT u.name, u.role FROM admin_sessions s JOIN admin_users u USING (name) "
            "WHERE s.token_hash = ? AND s.expires_at > ?", [_hash(token), now_ms()])
        return AdminUser(*row) if row else None

    def end_others(self, name: str, keep: str | None) -> None:
        """After a password change: every other session of this user ends."""
        self.db.execute("DELETE FROM admin_sessions WHERE name = ? AND token_hash <> ?", [name, _hash(keep or "")])

    def end(self, token: str | None) -> None:
        if token:
            self.db.execute("DELETE FROM admin_sessions WHERE token_hash = ?", [_hash(token)])


def session_cookie(connection: ASGIConnection, token: str | None) -> Cookie:
    """HttpOnly, SameSite=Lax, scoped to /admin, Secure when the request came over TLS; no token clears it."""
    return Cookie(key=COOKIE, value=token or "", path="/admin", httponly=True, samesite="lax",
                  secure=connection.url.scheme == "https", max_age=LIFETIME_MS // 1000 if token else 0)
