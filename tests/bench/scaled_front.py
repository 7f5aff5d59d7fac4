"""infra/launch.py's front proxy in its own process, served as launch.py serves it, for the scaled section.

Run as `python -m tests.bench.scaled_front PORT LEARNER_URL EDGE_URL...`; `FrontServer` starts it on a free port.
"""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from tests.support.server import ROOT, free_port


class FrontServer:
    def __init__(self, learner: str, edges: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "tests.bench.scaled_front", str(self.port), learner, *edges]
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> FrontServer:
        self.process = subprocess.Popen(self.command, cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError("the front proxy did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


if __name__ == "__main__":
    import uvicorn

    from server.scaled.front import FrontProxy

    uvicorn.run(FrontProxy(learner=sys.argv[2], edges=sys.argv[3:]), host="127.0.0.1", port=int(sys.argv[1]),
                log_level="warning")
