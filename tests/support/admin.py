"""Admin users for tests, made as an operator would: `attune admin create-user --password-stdin` before start."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import httpx

from server.cli import main as attune_command
from tests.support.inprocess import InProcess, attune
from tests.support.server import AttuneServer

PASSWORD = "a long test password"  # every test user's; the first-run `admin` gets it through ATTUNE_ADMIN_PASSWORD
FIRST_PASSWORD_ENV = "ATTUNE_ADMIN_PASSWORD"


def create_user(data_dir: Path, name: str, role: str, password: str = PASSWORD) -> None:
    """`attune admin create-user NAME --role ROLE --password-stdin`, run in this process (the same code, no
    interpreter start-up)."""
    said = io.StringIO()
    with mock.patch("sys.stdin", io.StringIO(password + "\n")), contextlib.redirect_stderr(said):
        code = attune_command(["admin", "create-user", name, "--role", role, "--password-stdin",
                               "--data-dir", str(data_dir)])
    assert code == 0, said.getvalue()


def _make_users(data_dir: Path, users: dict[str, str] | None) -> None:
    for name, role in (users or {}).items():
        create_user(data_dir, name, role)
    if users:  # the CLI made users, so first run will not make `admin`: make it the same way
        create_user(data_dir, "admin", "editor")


def admin_server(data_dir: Path, *, config: Path | None = None, users: dict[str, str] | None = None) -> AttuneServer:
    """A server whose first user `admin` (editor) has PASSWORD, plus `users` {name: role} made by the CLI."""
    _make_users(data_dir, users)
    return AttuneServer(data_dir, config=config, env={FIRST_PASSWORD_ENV: PASSWORD})


@contextlib.contextmanager
def admin_app(data_dir: Path, *, config: Path | None = None, users: dict[str, str] | None = None,
              **settings) -> Iterator[InProcess]:
    """`admin_server`'s Attune, in this process (tests/support/inprocess.py)."""
    _make_users(data_dir, users)
    with mock.patch.dict(os.environ, {FIRST_PASSWORD_ENV: PASSWORD}):  # read when the runtime makes the first user
        with attune(data_dir, config=config, **settings) as app:
            yield app


def anonymous(where: str | InProcess) -> httpx.Client:
    """A client (of a server's URL or of an app in this process) holding a CSRF cookie, from the public sign-in
    page, and sending it back as the header."""
    client = where.new_client() if isinstance(where, InProcess) else httpx.Client(base_url=where, timeout=15)
    assert client.get("/admin/login").status_code == 200
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    return client


def signed_in(where: str | InProcess, name: str = "admin", password: str = PASSWORD) -> httpx.Client:
    client = anonymous(where)
    response = client.post("/admin/api/login", json={"name": name, "password": password})
    assert response.status_code == 200, response.text
    return client
