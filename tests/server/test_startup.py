"""`attune serve` that cannot start says why in one line and exits non-zero; `attune check-config` exits 0
only on a valid file. Each runs the real command, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import duckdb
import httpx
import pytest

from server.storage.event_log import EventLog
from tests.server.conftest import TEST_CONFIG
from tests.support.inprocess import settle
from tests.support.server import ROOT, AttuneServer, free_port


def attune(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def serve(data_dir: Path) -> subprocess.CompletedProcess:
    return attune("serve", "--port", str(free_port()), "--data-dir", str(data_dir))


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{stderr}"
    assert "serving on" not in stderr and "Traceback" not in stderr
    return lines[0]


# check-config

def test_check_config_exits_0_on_a_valid_file():
    checked = attune("check-config", str(TEST_CONFIG))
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == f"attune: configuration {TEST_CONFIG} is valid (2 site(s))"


def test_check_config_exits_non_zero_naming_the_key_on_an_invalid_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(TEST_CONFIG.read_text().replace('fallback = "classic"', 'fallback = "nope"', 1))
    checked = attune("check-config", str(path))
    assert checked.returncode == 2
    assert "sites[0].blocks[0].fallback: 'nope' is not one of the block's variants" in one_line(checked.stderr)
    assert attune("check-config", str(tmp_path / "missing.toml")).returncode == 2


# serve

def test_a_second_serve_on_the_same_data_directory_names_the_pid_that_holds_the_lock(tmp_path):
    first = AttuneServer(tmp_path / "data").start()
    try:
        second = serve(tmp_path / "data")
    finally:
        first.stop()
    line = one_line(second.stderr)
    assert second.returncode != 0
    assert line.startswith(f"attune: {tmp_path / 'data' / 'attune.duckdb'} is in use: lock held by PID "
                           f"{first.process.pid} (")
    assert line.endswith("; stop that process or give this one another --data-dir")


@contextmanager
def read_only_directory(path: Path):
    """A directory this process cannot write: mode 555 for a user, a read-only mount for root."""
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro", "tmpfs", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root, which writes anywhere, and cannot mount a read-only directory")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_a_read_only_data_directory_is_said_in_one_line(tmp_path):
    with read_only_directory(tmp_path / "data") as data_dir:
        for where in (data_dir, data_dir / "below"):  # the directory itself, or one to be made in it
            started = serve(where)
            assert started.returncode != 0
            line = one_line(started.stderr)
            assert line.startswith(f"attune: data directory {where} is read-only (")
            assert line.endswith("; make it writable by this user or choose another with --data-dir")


def test_a_file_that_is_not_a_duckdb_database_is_said_in_one_line(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "attune.duckdb").write_bytes(b"not a database, just bytes\n" * 4000)
    started = serve(tmp_path / "data")
    assert started.returncode != 0
    assert one_line(started.stderr) == (f"attune: {tmp_path / 'data' / 'attune.duckdb'} is not a DuckDB database; "
                                        "restore it from a backup or move it away")


def corrupt_a_data_block(path: Path) -> None:
    """Damage a block that opening the file does not read, but a replay of the log does."""
    log = EventLog(path)
    log.cursor().execute("INSERT INTO events (id, site, visitor, type, decision_id, value, ts, received_at, seq) "
                         "SELECT 'e' || i, 'pk_demo', 'v', 'impression', 'd' || i, NULL, 0, i, i "
                         "FROM range(1, 20000) t(i)")
    log.cursor().execute("CHECKPOINT")
    log.close()
    pristine = path.read_bytes()
    for offset in range(12288 + 262144, len(pristine), 262144):  # DuckDB's blocks: 256 KiB after 3 headers
        path.write_bytes(pristine[:offset + 100] + b"\xff" * 64 + pristine[offset + 164:])
        try:
            with duckdb.connect(str(path)) as db:
                db.execute("SELECT * FROM events ORDER BY seq").fetchall()
        except duckdb.Error as error:
            if "checksum" in str(error):
                return
    pytest.fail("no block of the file was read by a query")


def test_a_corrupt_block_met_while_replaying_is_said_in_one_line_and_nothing_says_serving(tmp_path):
    corrupt_a_data_block(tmp_path / "data" / "attune.duckdb")
    started = serve(tmp_path / "data")
    assert started.returncode != 0
    line = one_line(started.stderr)
    assert line.startswith(f"attune: {tmp_path / 'data' / 'attune.duckdb'} is corrupt (a checksum fails in the "
                           "block at byte ")
    assert line.endswith("; restore it from a backup or move it away")


def test_serve_says_serving_on_once_it_serves_and_answers_over_http(tmp_path):
    """The one data-plane round trip through a real socket and uvicorn (the other API tests run in-process)."""
    server = AttuneServer(tmp_path / "data", config=TEST_CONFIG).start()
    try:
        shop = {"origin": "https://shop.example"}
        decided = httpx.post(f"{server.url}/v1/decide", headers=shop, timeout=10,
                             json={"site": "pk_test", "blocks": ["recs"], "visitor": "visitor-0001"})
        assert decided.status_code == 200 and decided.headers["access-control-allow-origin"] == shop["origin"]
        (recs,) = decided.json()["decisions"]
        events = [{"id": "event-0001", "type": "impression", "decision_id": recs["decision_id"]},
                  {"id": "event-0002", "type": "rating", "decision_id": recs["decision_id"], "value": 4}]
        sent = httpx.post(f"{server.url}/v1/events", headers={**shop, "content-type": "text/plain;charset=UTF-8"},
                          content=json.dumps({"site": "pk_test", "visitor": "visitor-0001", "events": events}))
        assert sent.status_code == 202 and sent.json()["accepted"] == 2, sent.text
        settle(lambda: server.health()["learned"] == 1)  # the rating closed the window at once
        assert httpx.post(f"{server.url}/v1/decide", headers={"origin": "https://evil.example"},
                          json={"site": "pk_test", "blocks": ["recs"]}).status_code == 403
    finally:
        server.stop()
    log = server.log()
    assert f"attune: serving on http://127.0.0.1:{server.port}/" in log
    assert log.index("restored the learner") < log.index("serving on")
