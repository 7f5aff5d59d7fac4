"""Run `attune serve` as a real subprocess on a free loopback port, as a user would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
# a load generator is one address sending for thousands of visitors: the event rate limits would
# measure themselves, not Attune (tests/server/test_hostile_events.py checks them)
NO_RATE_LIMITS = {"ATTUNE_EVENTS_PER_ADDRESS": "0", "ATTUNE_EVENTS_PER_VISITOR": "0", "ATTUNE_PRIVACY_PER_MINUTE": "0"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AttuneServer:
    """One `attune serve` process; `start`, `kill` (SIGKILL) and `stop` (SIGTERM) it as often as a test needs."""

    def __init__(self, data_dir: Path, *, config: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.config = config
        self.env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}-server.log"

    # a loaded 2-core machine (browsers and servers of the other worker) has taken over 30 s to start one
    def start(self, timeout: float = 60.0) -> AttuneServer:
        command = [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir)]
        if self.config is not None:
            command += ["--config", str(self.config)]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                        env={**os.environ, **self.env})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"attune serve exited with {self.process.returncode}: {self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.process.kill()  # no test will stop a server that never answered: it would outlive the session
        self.process.wait()
        raise TimeoutError(f"attune serve did not answer within {timeout}s: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def health(self) -> dict:
        return httpx.get(f"{self.url}/healthz", timeout=5).json()
