"""What every benchmark section shares: plain-text tables, verdict lines, process CPU, the servers."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.server import NO_RATE_LIMITS, AttuneServer

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Options:
    quick: bool
    seeds: tuple[int, ...]
    impressions: int
    work_dir: Path


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: first column left-aligned, the numbers right-aligned."""
    cells = [list(map(str, headers))] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths)))

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *map(line, cells[1:])])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def verdict(passed: bool, text: str, *, quick: bool = False) -> dict:
    """One PASS/FAIL line, printed now and kept for results.json."""
    note = "  (quick run: indicative only)" if quick else ""
    print(f"{'PASS' if passed else 'FAIL'}  {text}{note}")
    return {"passed": passed, "target": text, "quick": quick}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process (all its threads) has used so far; Linux /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores, not idle or iowait); Linux /proc."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


@contextmanager
def cpu_meter(pid: int):
    """How many cores a process, and everything else on the machine, used over a block.

    Yields a dict filled in on exit: `cores` (the process) and `others` (the machine less the
    process and this one, the load generator): other work on the machine skews every number.
    """
    usage: dict[str, float] = {}
    cpu0, own0, busy0, wall0 = cpu_seconds(pid), time.process_time(), machine_busy_seconds(), time.perf_counter()
    try:
        yield usage
    finally:
        wall = time.perf_counter() - wall0
        usage["cores"] = (cpu_seconds(pid) - cpu0) / wall
        own = (time.process_time() - own0) / wall
        usage["others"] = max(0.0, (machine_busy_seconds() - busy0) / wall - usage["cores"] - own)



@contextmanager
def attune(work_dir: Path, name: str, config: Path | None = None, env: dict[str, str] | None = None):
    """A fresh `attune serve` with its own data directory, stopped however the block ends."""
    server = AttuneServer(work_dir / name, config=config, env={**NO_RATE_LIMITS, **(env or {})}).start()
    try:
        yield server
    finally:
        server.stop()


def section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)
