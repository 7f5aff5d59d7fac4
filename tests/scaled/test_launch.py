"""infra/launch.py brings up Redis, a learner and two edges behind one port that serves the demo and the admin."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid

import httpx

from tests.scaled.cluster import wait_for
from tests.support.server import ROOT, free_port


def test_the_launcher_serves_the_demo_decides_learns_and_routes_the_admin_to_the_learner(tmp_path):
    port = free_port()
    log = open(tmp_path / "launch.log", "wb")
    process = subprocess.Popen([sys.executable, "infra/launch.py", "--port", str(port), "--data-dir",
                                str(tmp_path / "data")], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=5) as http:
            def up():
                try:
                    return http.get("/demo/").status_code == 200
                except httpx.HTTPError:
                    return process.poll() is not None
            wait_for(up, timeout=150, pause=0.5)
            assert process.poll() is None, (tmp_path / "launch.log").read_text()
            assert "data-attune-block" in http.get("/demo/").text
            assert http.get("/v1/attune.js").status_code == 200
            roles = {http.get("/healthz").json().get("role", "learner") for _ in range(4)}
            assert roles == {"edge"}, "data-plane paths go to the edges"
            assert http.get("/admin/", follow_redirects=False).status_code in (200, 302, 303)
            body = {"site": "pk_demo", "blocks": ["hero"], "visitor": uuid.uuid4().hex, "context": {}}
            decision = http.post("/v1/decide", json=body).json()["decisions"][0]
            reply = http.post("/v1/events", json={"site": "pk_demo", "events": [
                {"id": uuid.uuid4().hex, "type": "impression", "decision_id": decision["decision_id"]}]})
            assert reply.status_code == 202 and reply.json()["accepted"] == 1, reply.text
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
