"""The baseline: a bare Litestar JSON endpoint served exactly like `attune serve` serves Attune.

Run as `python -m tests.bench.bare PORT`; `BareServer` starts it as a subprocess on a free port.
"""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
from litestar import Litestar, post
from msgspec import Struct

from tests.support.server import ROOT, free_port


class Echo(Struct):
    site: str
    visitor: str
    blocks: list[str]


@post("/echo", status_code=200)
async def echo(data: Echo) -> Echo:
    return data


app = Litestar(route_handlers=[echo], openapi_config=None, logging_config=None)


class BareServer:
    """The bare endpoint in its own process, like AttuneServer: `start` then `stop`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> BareServer:
        self.process = subprocess.Popen([sys.executable, "-m", "tests.bench.bare", str(self.port)], cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                httpx.post(f"{self.url}/echo", json={"site": "x", "visitor": "y", "blocks": []}, timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError("the bare endpoint did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


if __name__ == "__main__":
    import uvicorn

    # the same settings as server/cli.py: one worker, uvloop + httptools, quiet, no access log
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), loop="uvloop", http="httptools",
                log_level="warning", access_log=False)
