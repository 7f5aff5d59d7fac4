"""Accounts: who may sign in, their sessions, and the changes they make to users. Pages and API both call this."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.admin.accounts.limiter import LoginLimiter
from server.admin.accounts.sessions import SessionStore
from server.admin.accounts.users import FIRST_USER, UserStore, ensure_first_user, new_password
from server.storage.admin_db import now_ms, record

if TYPE_CHECKING:
    from server.admin.accounts.users import AdminUser, Role
    from server.storage.admin_db import AdminDb

FIRST_PASSWORD_ENV = "ATTUNE_ADMIN_PASSWORD"  # the first user's password, instead of a random one


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: AdminUser
    token: str  # the new session's, for the cookie


@dataclass(frozen=True, slots=True)
class Refused:
    error: str
    retry_after: int = 0  # seconds, when refused for too many failures (429); 0: wrong name or password (401)

    @property
    def headers(self) -> dict[str, str]:
        return {"retry-after": str(self.retry_after)} if self.retry_after else {}


SignIn = SignedIn | Refused


class Accounts:
    def __init__(self, *, db: AdminDb, limiter: LoginLimiter | None = None) -> None:
        self.db = db
        self.users = UserStore(db)
        self.sessions = SessionStore(db)
        self.limiter = limiter or LoginLimiter()

    def start(self) -> None:
        """First run: with no user yet, create `admin` and show its password once."""
        from_env = os.environ.get(FIRST_PASSWORD_ENV)
        password = ensure_first_user(self.users, from_env)
        if password is None:
            return
        record(self.db, at=now_ms(), actor="startup", action="create-user", target=f"user/{FIRST_USER}",
               summary=f"created the first user {FIRST_USER!r} (editor)")
        shown = f"the password from {FIRST_PASSWORD_ENV}" if from_env else f"password {password}"
        print(f"attune: first run: created admin user {FIRST_USER!r} with {shown}; sign in at /admin (shown once; "
              f"add users on the admin's Users page or with `attune admin create-user`)", file=sys.stderr, flush=True)

    def sign_in(self, *, name: str, password: str, address: str) -> SignIn:
        """Checks the password unless this address has failed too often; failures count towards the limit."""
        wait = self.limiter.retry_after(address=address, name=name)
        if wait:
            return Refused(f"too many failed sign-ins: try again in {wait} s", retry_after=wait)
        user = self.users.verify(name, password)
        if user is None:
            self.limiter.failed(address=address, name=name)
            return Refused("wrong name or password")
        self.limiter.succeeded(address=address, name=name)
        return SignedIn(user, self.sessions.create(user))

    def sign_out(self, *, session: str | None) -> None:
        self.sessions.end(session)

    def all(self) -> list[AdminUser]:
        return self.users.all()

    def add_user(self, *, name: str, role: Role, password: str | None, by: AdminUser
                 ) -> tuple[AdminUser, str | None]:
        """Create a user; returns them and the generated password to show once (None when one was given)."""
        generated = None if password else new_password()
        user = self.users.create(name, password or generated, role)
        record(self.db, at=now_ms(), actor=by.name, action="create-user", target=f"user/{user.name}",
               summary=f"created user {user.name!r} ({user.role})")
        return user, generated

    def remove_user(self, *, name: str, by: AdminUser) -> None:
        self.users.remove(name, by=by)
        record(self.db, at=now_ms(), actor=by.name, action="remove-user", target=f"user/{name}",
               summary=f"removed user {name!r} and ended their sessions")

    def change_password(self, *, user: AdminUser, current: str, new: str, session: str | None) -> None:
        self.users.change_password(user.name, current, new)
        self.sessions.end_others(user.name, keep=session)
        record(self.db, at=now_ms(), actor=user.name, action="change-password", target=f"user/{user.name}",
               summary=f"{user.name!r} changed their password; their other sessions ended")
