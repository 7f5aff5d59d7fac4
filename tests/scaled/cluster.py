"""A real scaled Attune for tests: redis-server on a free loopback port, one learner, edges, as processes."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import redis

from tests.support.server import NO_RATE_LIMITS, AttuneServer, free_port

REDIS_SERVER = shutil.which("redis-server")
STARTUP_S = 90.0  # three Pythons starting at once on 2 busy cores: 10-40 s seen
CONF = Path(__file__).resolve().parents[2] / "infra" / "redis.conf"


class RedisServer:
    """redis-server with the AOF settings scaled mode ships (infra/redis.conf when present)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        # the shipped file's durability settings as they are; without it, AOF with an fsync every second
        settings = [str(CONF)] if CONF.exists() else ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
        command = [REDIS_SERVER, *settings, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
                   "--daemonize", "no", "--logfile", str(self.directory / "redis.log")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return self
            except redis.exceptions.RedisError:
                time.sleep(0.05)
        raise TimeoutError("redis-server did not answer")

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a stopped process dies only once it runs
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)


def scaled_server(data_dir: Path, redis_url: str, role: str, config: Path, **env: str) -> AttuneServer:
    return AttuneServer(data_dir, config=config, env={
        "ATTUNE_REDIS_URL": redis_url, "ATTUNE_ROLE": role, "ATTUNE_EVALUATE_MINUTES": "0", **NO_RATE_LIMITS, **env})


def decide(url: str, http: httpx.Client, *, visitor: str | None = None, device: str = "mobile") -> list[dict]:
    body = {"site": "pk_test", "blocks": ["hero", "recs"], "visitor": visitor, "context": {"device": device}}
    response = http.post(f"{url}/v1/decide", json=body)
    assert response.status_code == 200, response.text
    return response.json()["decisions"]


def wait_for(condition, timeout: float = 20.0, pause: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not hold in time")
        time.sleep(pause)


def stored_event_ids(data_dir: Path) -> set[str]:
    import duckdb

    with duckdb.connect(str(data_dir / "attune.duckdb"), read_only=True) as db:
        return {row[0] for row in db.execute("SELECT id FROM events").fetchall()}


def stored_decision_ids(data_dir: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(data_dir / "attune.duckdb"), read_only=True) as db:
        return [row[0] for row in db.execute("SELECT decision_id FROM decisions").fetchall()]


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    """A process's /metrics as {(series, sorted labels): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{url}/metrics", timeout=5).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict[tuple[str, tuple], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def backlog(client: redis.Redis) -> int:
    """Entries not yet delivered to the learner plus those delivered and not acknowledged."""
    groups = client.xinfo_groups("attune:log")
    if not groups:
        return client.xlen("attune:log")
    group = groups[0]
    return int(group.get("lag") or 0) + int(group["pending"])


os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


class Load:
    """Visitors deciding at one edge and sending their events to another, retrying a refused batch with the same
    ids as the SDK's queue does; remembers every decision answered and every event acknowledged."""

    def __init__(self, edges: list[AttuneServer], seed: int) -> None:
        import random

        self.edges = edges
        self.rng = random.Random(seed)
        self.decided: list[str] = []
        self.acknowledged: set[str] = set()
        self.answered_by: dict[int, int] = {}  # edge index -> decides answered
        self.unsent: list[list[dict]] = []  # batches refused (503 or no answer): retried
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Load:
        self.thread.start()
        return self

    def stop(self, *, flush: bool = True, timeout: float = 20.0) -> None:
        self.stopping.set()
        self.thread.join()
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as http:
            while flush and self.unsent and time.monotonic() < deadline:
                self._retry(http)
                time.sleep(0.1)

    def _run(self) -> None:
        with httpx.Client(timeout=2) as http:
            while not self.stopping.is_set():
                self._visit(http)
                if self.unsent:
                    self._retry(http)

    def _alive(self) -> list[int]:
        return [n for n, edge in enumerate(self.edges) if edge.process and edge.process.poll() is None]

    def _visit(self, http: httpx.Client) -> None:
        import uuid

        alive = self._alive()
        at = self.rng.choice(alive)
        try:
            decisions = decide(self.edges[at].url, http, visitor=uuid.uuid4().hex, device=self.rng.choice(DEVICES))
        except httpx.HTTPError:
            time.sleep(0.05)
            return
        self.answered_by[at] = self.answered_by.get(at, 0) + 1
        self.decided += [d["decision_id"] for d in decisions]
        events = []
        for decision in decisions:
            events.append({"id": uuid.uuid4().hex, "type": "impression", "decision_id": decision["decision_id"]})
            if self.rng.random() < (0.6 if decision["variant"] in ("story", "new-in") else 0.1):
                events.append({"id": uuid.uuid4().hex, "type": "click", "decision_id": decision["decision_id"]})
            if decision["feedback"] == "stars" and self.rng.random() < 0.3:
                events.append({"id": uuid.uuid4().hex, "type": "rating", "decision_id": decision["decision_id"],
                               "value": self.rng.randint(1, 5)})
        self._send(http, events)

    def _send(self, http: httpx.Client, events: list[dict]) -> bool:
        alive = self._alive()
        if not alive:
            self.unsent.append(events)
            return False
        edge = self.edges[self.rng.choice(alive)]
        try:
            response = http.post(f"{edge.url}/v1/events", json={"site": "pk_test", "events": events})
        except httpx.HTTPError:
            self.unsent.append(events)
            return False
        if response.status_code == 202:
            body = response.json()
            assert body["accepted"] + body["duplicates"] == len(events), body
            self.acknowledged.update(e["id"] for e in events)
            return True
        assert response.status_code == 503 and response.headers.get("retry-after"), response.text
        self.unsent.append(events)
        return False

    def _retry(self, http: httpx.Client) -> None:
        batches, self.unsent = self.unsent, []
        for events in batches:
            self._send(http, events)


DEVICES = ["mobile", "desktop", "tablet"]


def start_all(*servers: AttuneServer) -> None:
    """Start processes side by side: an edge waits for the learner's visitor key, so the order does not matter."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(servers)) as pool:
        starts = [pool.submit(server.start, STARTUP_S) for server in servers]
    try:
        for started in starts:
            started.result()
    except Exception:
        for server in servers:  # none outlives the test, writing into a directory another run reuses
            server.kill()
        raise


def cluster(tmp_path: Path, redis_url: str, edges: int = 2, edge_env: dict[str, str] | None = None,
            config: Path | None = None, **env: str) -> tuple[AttuneServer, list[AttuneServer]]:
    """`env`: the learner's extra environment; `edge_env`: the edges'; `config`: else the API tests' own."""
    from tests.server.conftest import TEST_CONFIG

    config = config or TEST_CONFIG
    learner = scaled_server(tmp_path / "learner", redis_url, "learner", config, **env)
    edge_servers = [scaled_server(tmp_path / f"edge{n}", redis_url, "edge", config, **(edge_env or {}))
                    for n in range(edges)]
    start_all(learner, *edge_servers)
    return learner, edge_servers


def run_async(coroutine) -> None:
    """asyncio.run in a thread of its own: a worker that ran the browser tests holds Playwright's loop in this one."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as error:  # re-raised in the test's thread
            failure.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
