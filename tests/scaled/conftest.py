from __future__ import annotations

import pytest

from tests.scaled.cluster import REDIS_SERVER, RedisServer


@pytest.fixture
def redis_server(tmp_path):
    """A fresh redis-server per test: the failure tests kill and stop it."""
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not on PATH: ./dev test installs it (apt-get install redis-server)")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.kill()
