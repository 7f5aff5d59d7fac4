"""Attune in this process: the same app `attune serve` runs, driven through Litestar's test client.

No subprocess and no port: a test starts it in well under a second and reads the runtime's
state directly. `settle` waits for a condition (the learner catching up), never a fixed time, and
`stop_clock` and `pass_time` move the learner's clock, so a reward window closes without waiting for it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

from litestar.testing import TestClient

from server.app import serving_app
from server.config.loader import load_config
from server.runtime import Runtime
from server.settings import Settings

T = TypeVar("T")
LEARNER_CLOCK = "server.learner.runtime.now_ms"  # what the learner thread closes reward windows by


class LearnerClock:
    """The wall clock in ms, or the time it was stopped at, plus whatever time a test has passed; counts its
    readings, so a test knows when the learner has looked at it again."""

    def __init__(self) -> None:
        self.stopped_at: int | None = None
        self.passed_ms = 0
        self.readings = 0
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self.readings += 1
            return (int(time.time() * 1000) if self.stopped_at is None else self.stopped_at) + self.passed_ms


_CLOCKS: dict[int, LearnerClock] = {}  # learner thread id -> its app's clock: apps open together keep their own


def _learner_now_ms() -> int:
    clock = _CLOCKS.get(threading.get_ident())
    return clock() if clock is not None else int(time.time() * 1000)


@dataclasses.dataclass
class InProcess:
    runtime: Runtime
    client: TestClient
    clock: LearnerClock

    def settle(self) -> None:
        """Wait until everything queued so far is committed and has reached the learner."""
        run_coroutine(self.runtime.writer.store_events([]))  # a barrier: the writer commits in queue order
        committed = self.runtime.writer._seq
        settle(lambda: self.runtime.learner.learner.last_seq >= committed)

    def stop_clock(self) -> None:
        """Stop the learner's clock here: from now on only `pass_time` closes a reward window."""
        self.settle()
        with self.clock._lock:
            self.clock.stopped_at = int(time.time() * 1000)
        self._learner_looks_again()

    def pass_time(self, seconds: float) -> None:
        """Move the learner's clock `seconds` on and wait until it has closed every window that ends by then."""
        self.settle()
        with self.clock._lock:
            self.clock.passed_ms += round(seconds * 1000)
        self._learner_looks_again()

    def _learner_looks_again(self) -> None:
        target = self.clock.readings + 2  # the second reading comes after the first one's advance has finished
        settle(lambda: self.clock.readings >= target)

    def refreshed(self) -> None:
        """Wait until decide sees everything learned so far (the learner republishes policies every 0.2 s)."""
        self.settle()
        learner = self.runtime.learner
        settle(lambda: learner._refreshed_at_count == learner.learner.learned)

    def health(self) -> dict:
        self.settle()
        return self.client.get("/healthz").json()

    def new_client(self, **options) -> TestClient:
        """Another visitor or admin (cookies of its own) on the same running app and event loop."""
        client = _OtherClient(self.client.app, raise_server_exceptions=False, **options)
        client.blocking_portal = self.client.blocking_portal  # the lifespan ran once, in the first client
        return client


class _OtherClient(TestClient):
    def close(self) -> None:
        """Nothing to close: the app, its lifespan and its event loop belong to the first client."""


@contextmanager
def attune(data_dir: Path, *, config: Path | None = None, **settings) -> Iterator[InProcess]:
    """A started Attune on `data_dir` (stopped, with its last snapshot written, on exit)."""
    runtime = Runtime(Settings(data_dir=data_dir, config_path=config, **settings), load_config(config))
    clock = LearnerClock()
    with mock.patch(LEARNER_CLOCK, _learner_now_ms), \
            TestClient(serving_app(runtime), raise_server_exceptions=False) as client:
        learner_thread = runtime.learner._thread.ident
        _CLOCKS[learner_thread] = clock
        try:
            yield InProcess(runtime, client, clock)
        finally:
            del _CLOCKS[learner_thread]
            gc.unfreeze()  # the lifespan froze the heap for serving; a test process should collect as usual


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
