from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads: see server/cli.py

from unittest import mock  # noqa: E402

import pytest  # noqa: E402
from argon2 import PasswordHasher, profiles  # noqa: E402

from tests.support.server import AttuneServer  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def cheapest_password_hashing():
    """Argon2id at argon2-cffi's cheapest parameters for the Attunes run in this process (not for `attune serve`
    subprocesses): the tests check who may sign in, not how slow a guess is, and the default costs ~0.16 s a hash
    (one per app start, one per sign-in: ~30 s of the suite)."""
    cheapest = PasswordHasher.from_parameters(profiles.CHEAPEST)
    original = PasswordHasher.__init__

    def cheap(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        if not args and not kwargs:  # what server code asks for: the default parameters
            self._parameters = cheapest._parameters

    with mock.patch.object(PasswordHasher, "__init__", cheap):
        yield


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """One `attune serve` on the demo configuration, shared by tests that only read or add data."""
    server = AttuneServer(tmp_path_factory.mktemp("demo") / "data").start()
    yield server
    server.stop()
