"""Scaled mode on one machine: redis-server, one learner, N edges and a front proxy on one port.

    .venv/bin/python infra/launch.py [--port 8000] [--edges 2] [--data-dir .attune-scaled] [--config FILE]

Open http://127.0.0.1:8000/demo/ (the admin at /admin, on the learner). Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"launch: {url} exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"launch: {url} did not answer within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="the one port a browser uses (default 8000)")
    parser.add_argument("--edges", type=int, default=2, help="edge processes (default 2)")
    parser.add_argument("--data-dir", type=Path, default=Path(".attune-scaled"))
    parser.add_argument("--config", type=Path, help="TOML of sites and blocks (default: the demo site)")
    args = parser.parse_args(argv)
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise SystemExit("launch: redis-server is not on PATH (apt-get install redis-server)")
    data = args.data_dir.resolve()
    (data / "redis").mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen] = []

    def start(command: list[str], log_name: str, env: dict | None = None) -> subprocess.Popen:
        log = open(data / log_name, "ab")
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        processes.append(process)
        return process

    try:
        redis_port = free_port()
        start([redis_server, str(ROOT / "infra" / "redis.conf"), "--port", str(redis_port), "--dir", str(data / "redis"),
               "--daemonize", "no"], "redis.log")
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        common = {"ATTUNE_REDIS_URL": redis_url, "ATTUNE_TRUSTED_PROXIES": "127.0.0.1"}
        config = ["--config", str(args.config.resolve())] if args.config else []
        servers = []
        for n, role in enumerate(["learner"] + ["edge"] * args.edges):
            port, name = free_port(), "learner" if role == "learner" else f"edge{n}"
            process = start([sys.executable, "-m", "server.cli", "serve", "--port", str(port),
                             "--data-dir", str(data / name), *config], f"{name}.log", {**common, "ATTUNE_ROLE": role})
            servers.append((f"http://127.0.0.1:{port}", process))
        for url, process in servers:
            wait_until_up(url, process)
        import uvicorn

        from server.scaled.front import FrontProxy

        front = FrontProxy(learner=servers[0][0], edges=[url for url, _ in servers[1:]])
        print(f"launch: Redis {redis_url}, learner {servers[0][0]}, edges {', '.join(u for u, _ in servers[1:])}\n"
              f"launch: open http://127.0.0.1:{args.port}/demo/ (admin at /admin; logs in {data})", flush=True)
        uvicorn.run(front, host="127.0.0.1", port=args.port, log_level="warning")
    finally:
        for process in reversed(processes):  # edges first, then the learner, Redis last
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
