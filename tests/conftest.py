from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads: see server/cli.py

import pytest  # noqa: E402

from tests.support.server import AttuneServer  # noqa: E402


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """One `attune serve` on the demo configuration, shared by tests that only read or add data."""
    server = AttuneServer(tmp_path_factory.mktemp("demo") / "data").start()
    yield server
    server.stop()
