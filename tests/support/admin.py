"""Admin users for tests, made as an operator would: `attune admin create-user --password-stdin` before start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.server import ROOT, AttuneServer

PASSWORD = "a long test password"  # every test user's; the first-run `admin` gets it through ATTUNE_ADMIN_PASSWORD


def create_user(data_dir: Path, name: str, role: str, password: str = PASSWORD) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "server.cli", "admin", "create-user", name, "--role", role, "--password-stdin",
         "--data-dir", str(data_dir)], input=password + "\n", cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr


def admin_server(data_dir: Path, *, config: Path | None = None, users: dict[str, str] | None = None) -> AttuneServer:
    """A server whose first user `admin` (editor) has PASSWORD, plus `users` {name: role} made by the CLI."""
    for name, role in (users or {}).items():
        create_user(data_dir, name, role)
    if users:  # the CLI made users, so first run will not make `admin`: make it the same way
        create_user(data_dir, "admin", "editor")
    return AttuneServer(data_dir, config=config, env={"ATTUNE_ADMIN_PASSWORD": PASSWORD})


def anonymous(url: str) -> httpx.Client:
    """A client holding a CSRF cookie (from the public sign-in page) and sending it back as the header."""
    client = httpx.Client(base_url=url, timeout=15)
    assert client.get("/admin/login").status_code == 200
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    return client


def signed_in(url: str, name: str = "admin", password: str = PASSWORD) -> httpx.Client:
    client = anonymous(url)
    response = client.post("/admin/api/login", json={"name": name, "password": password})
    assert response.status_code == 200, response.text
    return client
