"""Admin users: a name, a role and an Argon2id password hash (argon2-cffi's RFC 9106 defaults)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.errors import BadRequest, NotFound
from server.storage.admin_db import AdminDb, now_ms

Role = Literal["viewer", "editor"]
ROLES: tuple[Role, ...] = ("viewer", "editor")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@\-]{0,63}$")
MIN_PASSWORD = 10
FIRST_USER = "admin"


class UserError(BadRequest):
    """A user that cannot be created; the message says why."""


class UnknownUser(NotFound):
    """No user by that name."""


@dataclass(frozen=True, slots=True)
class AdminUser:
    name: str
    role: Role

    @property
    def can_edit(self) -> bool:
        return self.role == "editor"


class UserStore:
    def __init__(self, db: AdminDb) -> None:
        self.db = db
        self._hasher = PasswordHasher()  # Argon2id
        self._dummy = self._hasher.hash(secrets.token_hex(16))  # verified against for unknown names: same timing

    def count(self) -> int:
        return int(self.db.one("SELECT count(*) FROM admin_users")[0])

    def get(self, name: str) -> AdminUser | None:
        row = self.db.one("SELECT name, role FROM admin_users WHERE name = ?", [name])
        return AdminUser(*row) if row else None

    def all(self) -> list[AdminUser]:
        return [AdminUser(*row) for row in self.db.all("SELECT name, role FROM admin_users ORDER BY name")]

    def create(self, name: str, password: str, role: Role) -> AdminUser:
        if not NAME.match(name):
            raise UserError(f"name {name!r}: use letters, digits and _ . @ - (at most 64)")
        if role not in ROLES:
            raise UserError(f"role {role!r}: choose one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise UserError(f"password: at least {MIN_PASSWORD} characters")
        if self.get(name) is not None:
            raise UserError(f"name {name!r}: a user with this name exists")
        self.db.execute("INSERT INTO admin_users VALUES (?, ?, ?, ?)",
                        [name, role, self._hasher.hash(password), now_ms()])
        return AdminUser(name, role)

    def remove(self, name: str, *, by: AdminUser) -> None:
        """Delete a user and end their sessions; nobody removes themself, so an editor always remains."""
        if self.get(name) is None:
            raise UnknownUser(f"no user {name!r}")
        if name == by.name:
            raise UserError("you cannot remove yourself: another editor can")
        with self.db.transaction() as cursor:
            cursor.execute("DELETE FROM admin_sessions WHERE name = ?", [name])
            cursor.execute("DELETE FROM admin_users WHERE name = ?", [name])

    def change_password(self, name: str, current: str, new: str) -> None:
        if self.verify(name, current) is None:
            raise UserError("current password: wrong")
        if len(new) < MIN_PASSWORD:
            raise UserError(f"new password: at least {MIN_PASSWORD} characters")
        self.db.execute("UPDATE admin_users SET password_hash = ? WHERE name = ?", [self._hasher.hash(new), name])

    def verify(self, name: str, password: str) -> AdminUser | None:
        row = self.db.one("SELECT role, password_hash FROM admin_users WHERE name = ?", [name])
        try:
            self._hasher.verify(row[1] if row else self._dummy, password)
        except (VerificationError, InvalidHashError):
            return None
        return AdminUser(name, row[0]) if row else None


def new_password() -> str:
    """16 URL-safe characters (96 random bits), shown once to whoever creates the user."""
    return secrets.token_urlsafe(12)


def ensure_first_user(users: UserStore, password: str | None = None) -> str | None:
    """With no user yet, create `admin` (editor); returns the password to show once, or None."""
    if users.count() > 0:
        return None
    password = password or new_password()
    users.create(FIRST_USER, password, "editor")
    return password
