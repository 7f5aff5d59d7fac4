"""Sign-in limits that a guesser cannot turn against others: per (name, address), a Retry-After on every 429,
and X-Forwarded-For believed only from a configured proxy."""

from __future__ import annotations

import gc
import re
from contextlib import closing, contextmanager
from types import SimpleNamespace

import pytest
from litestar.testing import TestClient

from server.admin.accounts.limiter import LoginLimiter
from server.client_address import client_address
from server.settings import Settings
from server.startup import StartupError
from tests.server.conftest import TEST_CONFIG
from tests.support.admin import PASSWORD, admin_server, anonymous

PROXY = "10.0.0.2"
WRONG = {"name": "admin", "password": "wrong"}
RIGHT = {"name": "admin", "password": PASSWORD}


def scope(peer: str | None, *forwarded: str) -> dict:
    return {"type": "http", "client": (peer, 43000) if peer else None,
            "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded]}


# client_address on fake scopes

def test_an_untrusted_peer_is_the_client_whatever_it_forwards():
    assert client_address(scope("203.0.113.5", "198.51.100.1"), frozenset()) == "203.0.113.5"
    assert client_address(scope("203.0.113.5", "198.51.100.1"), frozenset({PROXY})) == "203.0.113.5"


def test_behind_a_trusted_proxy_the_right_most_untrusted_entry_is_the_client():
    trusted = frozenset({PROXY, "10.0.0.3"})
    assert client_address(scope(PROXY, "198.51.100.1"), trusted) == "198.51.100.1"
    # the left entry came from the client and may be forged; the proxies appended the rest
    assert client_address(scope(PROXY, "6.6.6.6, 198.51.100.1, 10.0.0.3"), trusted) == "198.51.100.1"
    assert client_address(scope(PROXY, "6.6.6.6", "198.51.100.1"), trusted) == "198.51.100.1"  # two headers, in order
    assert client_address(scope(PROXY, "2001:DB8:0:0::1"), trusted) == "2001:db8::1"  # one spelling per address


def test_a_trusted_proxy_without_a_forwarded_client_is_the_client():
    assert client_address(scope(PROXY), frozenset({PROXY})) == PROXY
    assert client_address(scope(PROXY, " , "), frozenset({PROXY})) == PROXY
    assert client_address(scope(PROXY, "10.0.0.3"), frozenset({PROXY, "10.0.0.3"})) == "10.0.0.3"


def test_no_peer_is_unknown_and_a_request_works_as_well_as_a_scope():
    assert client_address(scope(None, "198.51.100.1"), frozenset()) == "unknown"
    assert client_address(SimpleNamespace(scope=scope(PROXY, "198.51.100.1")), frozenset({PROXY})) == "198.51.100.1"


# LoginLimiter with a clock of our own

def limiter_at(now: list[float]) -> LoginLimiter:
    return LoginLimiter(per_name=5, per_address=20, window=300.0, clock=lambda: now[0])


def test_failures_from_one_address_never_refuse_another_address():
    now = [0.0]
    limiter = limiter_at(now)
    for second in range(5):
        now[0] = float(second)
        limiter.failed(address="198.51.100.1", name="admin")
    now[0] = 10.0
    assert limiter.retry_after(address="198.51.100.1", name="admin") == 290  # the first failure ages out at 300 s
    assert limiter.retry_after(address="198.51.100.2", name="admin") == 0
    assert limiter.retry_after(address="198.51.100.1", name="ann") == 0  # 5 failures: under the address's 20


def test_an_address_trying_many_names_is_refused_for_every_name():
    now = [0.0]
    limiter = limiter_at(now)
    for n in range(20):
        limiter.failed(address="198.51.100.1", name=f"guess{n}")
    now[0] = 0.4
    assert limiter.retry_after(address="198.51.100.1", name="admin") == 300  # rounded up: never "0 s" too early
    assert limiter.retry_after(address="198.51.100.2", name="admin") == 0
    now[0] = 300.0
    assert limiter.retry_after(address="198.51.100.1", name="admin") == 0


def test_the_right_password_forgives_that_names_failures_but_not_the_addresss():
    now = [0.0]
    limiter = limiter_at(now)
    for _ in range(4):
        limiter.failed(address="198.51.100.1", name="admin")
    limiter.succeeded(address="198.51.100.1", name="admin")
    limiter.failed(address="198.51.100.1", name="admin")
    assert limiter.retry_after(address="198.51.100.1", name="admin") == 0  # 1 failure since, not 5
    for n in range(15):
        limiter.failed(address="198.51.100.1", name=f"guess{n}")
    assert limiter.retry_after(address="198.51.100.1", name="admin") > 0  # 20 from the address in all


def test_counters_are_forgotten_after_the_window():
    now = [0.0]
    limiter = limiter_at(now)
    for n in range(10_000):
        limiter.failed(address=f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", name=f"name{n}")
    assert len(limiter) == 20_000
    now[0] = 301.0
    limiter.failed(address="198.51.100.1", name="admin")
    assert len(limiter) == 2  # only the newest failure's two counters


# over HTTP, in process: the peer address comes from a test-only header, as a socket would give it

def with_peer(app):
    async def app_with_peer(scope, receive, send):
        if scope["type"] == "http":
            peer = dict(scope["headers"]).get(b"x-test-peer")
            scope = {**scope, "client": (peer.decode(), 43000)} if peer else scope
        await app(scope, receive, send)
    return app_with_peer


@contextmanager
def admin_client(tmp_path, monkeypatch, trusted_proxies: frozenset[str] = frozenset()):
    from server.app import create_app
    from server.config.loader import load_config
    from server.runtime import Runtime

    monkeypatch.setenv("ATTUNE_ADMIN_PASSWORD", PASSWORD)
    runtime = Runtime(Settings(data_dir=tmp_path / "data", trusted_proxies=trusted_proxies), load_config(TEST_CONFIG))
    try:
        with TestClient(with_peer(create_app(runtime))) as client:
            assert client.get("/admin/login").status_code == 200
            client.headers["x-csrftoken"] = client.cookies["csrftoken"]
            yield client
    finally:
        gc.unfreeze()  # the app's lifespan froze the heap for serving; a test process should collect as usual


def login(client: TestClient, body: dict, peer: str, forwarded: str | None = None):
    headers = {"x-test-peer": peer, **({"x-forwarded-for": forwarded} if forwarded else {})}
    return client.post("/admin/api/login", json=body, headers=headers)


def test_a_guesser_is_refused_with_retry_after_while_the_admin_signs_in_elsewhere(tmp_path, monkeypatch):
    with admin_client(tmp_path, monkeypatch) as client:
        for _ in range(5):
            assert login(client, WRONG, "198.51.100.66").status_code == 401
        refused = login(client, RIGHT, "198.51.100.66")
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert 290 <= wait <= 300
        assert re.search(r"try again in (\d+) s", refused.json()["detail"])[1] == str(wait)
        form = client.post("/admin/login", headers={"x-test-peer": "198.51.100.66"},
                           data={**RIGHT, "_csrf_token": client.cookies["csrftoken"]}, follow_redirects=False)
        assert form.status_code == 429 and 290 <= int(form.headers["retry-after"]) <= 300
        assert "too many failed sign-ins" in form.text
        assert "retry-after" not in login(client, WRONG, "198.51.100.7").headers  # a plain 401 has none

        assert login(client, RIGHT, "198.51.100.7").status_code == 200  # the admin, from their own address
        assert client.get("/admin/api/me").json()["name"] == "admin"


def test_rotating_x_forwarded_for_from_an_untrusted_peer_does_not_evade_the_limit(tmp_path, monkeypatch):
    with admin_client(tmp_path, monkeypatch) as client:
        for n in range(20):
            answer = login(client, {"name": f"guess{n}", "password": "wrong"}, "127.0.0.1", f"198.51.100.{n}")
            assert answer.status_code == 401
        refused = login(client, RIGHT, "127.0.0.1", "198.51.100.200")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


def test_behind_a_configured_proxy_each_forwarded_client_is_limited_on_its_own(tmp_path, monkeypatch):
    with admin_client(tmp_path, monkeypatch, trusted_proxies=frozenset({PROXY})) as client:
        for _ in range(5):
            assert login(client, WRONG, PROXY, "198.51.100.66").status_code == 401
        assert login(client, RIGHT, PROXY, "198.51.100.66").status_code == 429
        # a forged left-most entry does not help: the proxy appended the guesser's real address
        assert login(client, RIGHT, PROXY, "198.51.100.7, 198.51.100.66").status_code == 429
        assert login(client, RIGHT, PROXY, "198.51.100.7").status_code == 200


@pytest.mark.parametrize("peer", ["198.51.100.66", PROXY])
def test_x_forwarded_for_from_a_peer_that_is_not_configured_is_ignored(tmp_path, monkeypatch, peer):
    """With no proxy configured, even 10.0.0.2 is a client like any other: its header changes nothing."""
    with admin_client(tmp_path, monkeypatch) as client:
        for n in range(5):
            assert login(client, WRONG, peer, f"198.51.100.{n}").status_code == 401
        assert login(client, RIGHT, peer, "198.51.100.99").status_code == 429


# the command: flag and environment reach the settings, and uvicorn leaves the headers to us

def test_trusted_proxies_come_from_the_flag_or_the_environment(monkeypatch):
    from server import cli

    served = []
    monkeypatch.setattr(cli, "serve", lambda settings, config: served.append(settings) or 0)
    monkeypatch.setenv("ATTUNE_TRUSTED_PROXIES", "10.0.0.9, 10.0.0.10")
    assert cli.main(["serve"]) == 0
    assert cli.main(["serve", "--trusted-proxy", PROXY, "--trusted-proxy", "::1"]) == 0
    assert [s.trusted_proxies for s in served] == [frozenset({"10.0.0.9", "10.0.0.10"}), frozenset({PROXY, "::1"})]
    assert Settings.from_env({}).trusted_proxies == frozenset()
    with pytest.raises(StartupError, match="ATTUNE_TRUSTED_PROXIES: '10.0.0.0/8' is not an IP address"):
        Settings.from_env({"ATTUNE_TRUSTED_PROXIES": "10.0.0.0/8"})


def test_attune_serve_ignores_x_forwarded_for_from_loopback_unless_configured(tmp_path):
    """uvicorn on its own believes X-Forwarded-For from 127.0.0.1: `attune serve` must not."""
    for trusted, expected in (("", 429), ("127.0.0.1", 200)):
        running = admin_server(tmp_path / f"data{trusted}", config=TEST_CONFIG)
        running.env["ATTUNE_TRUSTED_PROXIES"] = trusted
        running.start()
        try:
            with closing(anonymous(running.url)) as client:
                for n in range(5):
                    wrong = client.post("/admin/api/login", json=WRONG, headers={"x-forwarded-for": f"198.51.100.{n}"})
                    assert wrong.status_code == 401
                answer = client.post("/admin/api/login", json=RIGHT, headers={"x-forwarded-for": "198.51.100.99"})
                assert answer.status_code == expected, trusted
        finally:
            running.stop()
