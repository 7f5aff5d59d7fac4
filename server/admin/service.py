"""What every admin controller is handed: the stores, the live config, and the one way to change it."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.admin.audit import record
from server.admin.db import AdminDb, now_ms
from server.admin.limiter import LoginLimiter
from server.admin.sessions import SessionStore
from server.admin.users import FIRST_USER, Role, UserStore, ensure_first_user, new_password
from server.bundle.files import load_bundle

if TYPE_CHECKING:
    from server.admin.edits import Change
    from server.admin.users import AdminUser
    from server.config.schema import Block, Config, Site
    from server.runtime import Runtime

FIRST_PASSWORD_ENV = "ATTUNE_ADMIN_PASSWORD"  # the first user's password, instead of a random one


@dataclass(frozen=True, slots=True)
class Snippet:
    site: str
    html: str
    src: str
    integrity: str


@dataclass(frozen=True, slots=True)
class SignIn:
    """A sign-in's outcome: a user and their new session token, or an error; `retry_after` seconds when refused
    for too many failures."""

    user: AdminUser | None = None
    token: str | None = None
    retry_after: int = 0
    error: str | None = None


class Admin:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.db = AdminDb(runtime.event_log)
        self.users = UserStore(self.db)
        self.sessions = SessionStore(self.db)
        self.limiter = LoginLimiter()

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
            return SignIn(retry_after=wait, error=f"too many failed sign-ins: try again in {wait} s")
        user = self.users.verify(name, password)
        if user is None:
            self.limiter.failed(address=address, name=name)
            return SignIn(error="wrong name or password")
        self.limiter.succeeded(address=address, name=name)
        return SignIn(user=user, token=self.sessions.create(user))

    def add_user(self, name: str, role: Role, password: str | None, *, by: AdminUser) -> tuple[AdminUser, str | None]:
        """Create a user; returns them and the generated password to show once (None when one was given)."""
        generated = None if password else new_password()
        user = self.users.create(name, password or generated, role)
        record(self.db, at=now_ms(), actor=by.name, action="create-user", target=f"user/{user.name}",
               summary=f"created user {user.name!r} ({user.role})")
        return user, generated

    def remove_user(self, name: str, *, by: AdminUser) -> None:
        self.users.remove(name, by=by)
        record(self.db, at=now_ms(), actor=by.name, action="remove-user", target=f"user/{name}",
               summary=f"removed user {name!r} and ended their sessions")

    def change_password(self, user: AdminUser, current: str, new: str, *, session: str | None) -> None:
        self.users.change_password(user.name, current, new)
        self.sessions.end_others(user.name, keep=session)
        record(self.db, at=now_ms(), actor=user.name, action="change-password", target=f"user/{user.name}",
               summary=f"{user.name!r} changed their password; their other sessions ended")

    @property
    def config(self) -> Config:
        return self.runtime.sites.config

    def site(self, key: str) -> Site:
        return self.runtime.sites.site(key)

    def block(self, site: str, block: str) -> Block:
        return self.runtime.sites.block(site, block)

    def apply(self, change: Change, *, user: AdminUser, action: str) -> int:
        return self.runtime.config_store.apply(
            change.config, actor=user.name, action=action, target=change.target, summary=change.summary,
            before=change.before, after=change.after)

    def snippet(self, site: str, base_url: str) -> Snippet | None:
        bundle = load_bundle()
        if bundle is None:
            return None
        src = base_url.rstrip("/") + bundle.versioned_path
        html = (f'<script src="{src}"\n        integrity="{bundle.integrity}"\n        crossorigin="anonymous" '
                f'data-site="{site}" async></script>')
        return Snippet(site=site, html=html, src=src, integrity=bundle.integrity)
