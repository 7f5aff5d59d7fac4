from __future__ import annotations

import pytest

from tests.support.server import AttuneServer


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """One `attune serve` on the demo configuration, shared by tests that only read or add data."""
    server = AttuneServer(tmp_path_factory.mktemp("demo") / "data").start()
    yield server
    server.stop()
