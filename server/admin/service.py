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
from server.admin.users import FIRST_USER, UserStore, ensure_first_user
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
        print(f"attune: first run: created admin user {FIRST_USER!r} with {shown}; sign in at /admin "
              f"(shown once; add users with `attune admin create-user`)", file=sys.stderr, flush=True)

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
