"""Attune in this process: the same app `attune serve` runs, driven through Litestar's test client.

No subprocess and no port: a test starts it in well under a second and reads the runtime's
state directly. `settle` waits for a condition (the learner catching up), never a fixed time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from litestar.testing import TestClient

from server.app import serving_app
from server.config.loader import load_config
from server.runtime import Runtime
from server.settings import Settings

T = TypeVar("T")


@dataclasses.dataclass
class InProcess:
    runtime: Runtime
    client: TestClient

    def settle(self) -> None:
        """Wait until everything queued so far is committed and has reached the learner."""
        run_coroutine(self.runtime.writer.store_events([]))  # a barrier: the writer commits in queue order
        committed = self.runtime.writer._seq
        settle(lambda: self.runtime.learner.learner.last_seq >= committed)

    def health(self) -> dict:
        self.settle()
        return self.client.get("/healthz").json()


@contextmanager
def attune(data_dir: Path, *, config: Path | None = None, **settings) -> Iterator[InProcess]:
    """A started Attune on `data_dir` (stopped, with its last snapshot written, on exit)."""
    runtime = Runtime(Settings(data_dir=data_dir, config_path=config, **settings), load_config(config))
    with TestClient(serving_app(runtime), raise_server_exceptions=False) as client:
        yield InProcess(runtime, client)


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on a loop of its own, in another thread: this one may already run a loop
    (Playwright's sync API keeps one in the main thread for the whole session)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def settle(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not hold in time")
        time.sleep(0.005)
