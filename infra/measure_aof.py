"""XADD throughput with infra/redis.conf at each appendfsync setting, and whether a SIGKILL loses anything.

    .venv/bin/python infra/measure_aof.py      (needs redis-server on PATH; about 10 s)

README "Deploying (infra/)" records its numbers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis

CONF = Path(__file__).with_name("redis.conf")
SECONDS = 2.0
ENTRY = {"id": "0123456789abcdef0123456789abcdef", "type": "impression", "site": "pk_demo",
         "decision_id": "0123456789abcdef0123456789abcdef", "received_at": "1764000000000"}  # an event's size


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(directory: str, port: int, fsync: str) -> tuple[subprocess.Popen, redis.Redis]:
    process = subprocess.Popen(["redis-server", str(CONF), "--port", str(port), "--dir", directory,
                                "--appendfsync", fsync], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            return process, client
        except redis.ConnectionError:
            time.sleep(0.05)
    raise TimeoutError("redis-server did not answer")


def rate(send_some) -> float:
    sent, started = 0, time.perf_counter()
    while time.perf_counter() - started < SECONDS:
        sent += send_some()
    return sent / (time.perf_counter() - started)


def one(client: redis.Redis) -> int:
    client.xadd("attune:events", ENTRY)
    return 1


def pipelined(client: redis.Redis) -> int:
    pipe = client.pipeline(transaction=False)
    for _ in range(100):
        pipe.xadd("attune:events", ENTRY)
    pipe.execute()
    return 100


def main() -> None:
    for fsync in ("everysec", "always"):
        with tempfile.TemporaryDirectory(prefix="attune-aof-") as directory:
            port = free_port()
            process, client = start(directory, port, fsync)
            single, batched = rate(lambda: one(client)), rate(lambda: pipelined(client))
            acknowledged = client.xlen("attune:events")
            process.send_signal(signal.SIGKILL)
            process.wait()
            process, client = start(directory, port, fsync)
            kept = client.xlen("attune:events")
            process.kill()
            process.wait()
        print(f"{fsync}: one XADD a round trip {single:,.0f}/s; 100 pipelined {batched:,.0f}/s; "
              f"acknowledged {acknowledged}, after SIGKILL and restart {kept}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
