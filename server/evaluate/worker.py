"""`python -m server.evaluate.worker`: the sites' off-policy evaluation, in a process of its own.

The server's background evaluator (background.py) reads each site's rows as Arrow tables and hands
them over on stdin in one request. The replay is pure Python: run in the server's process it would
hold the GIL for 5 ms at a time while decide waits (decide's median rose from 2 to 12 ms
in-process); here it runs at a lower priority and the server only reads and pickles. Writes each
site's pickled outcome to stdout.
"""

from __future__ import annotations

import heapq
import os
import pickle
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.evaluate.service import evaluate_site
from server.storage.rows import DecisionRow, EventRow

if TYPE_CHECKING:
    import pyarrow as pa

    from server.config.schema import Config
    from server.evaluate.service import BlockReport

NICENESS = 10  # decide and the writer come first on a busy machine
BATCH_ROWS = 10_000  # rows turned into Python objects at a time: a month of them at once costs ~1 kB each


@dataclass(frozen=True, slots=True)
class SiteLog:
    site: str
    since_ms: int
    decisions: pa.Table  # REPLAY_COLUMNS, in log order
    events: pa.Table  # EVENT_COLUMNS, in log order


@dataclass(frozen=True, slots=True)
class SiteOutcome:
    site: str
    took_ms: int  # the replay and the estimates, not the process's start
    reports: list[BlockReport] | None
    error: str | None  # "ErrorType: message" when the evaluation raised


@dataclass(frozen=True, slots=True)
class EvaluationRequest:
    config: Config
    now_ms: int
    logs: list[SiteLog]


def log_order(decisions: pa.Table, events: pa.Table) -> Iterator[DecisionRow | EventRow]:
    """Both tables' rows as the learner replays them: merged by log position."""
    return heapq.merge(_rows(decisions, DecisionRow), _rows(events, EventRow), key=lambda row: row.seq)


def _rows(table: pa.Table, row_type: type[DecisionRow] | type[EventRow]) -> Iterator:
    for batch in table.to_batches(BATCH_ROWS):
        for values in batch.to_pylist():
            yield row_type(**values)


def evaluate(request: EvaluationRequest) -> list[SiteOutcome]:
    """Each site's reports, or what went wrong with it: one site's failure leaves the others' estimates."""
    outcomes = []
    for log in request.logs:
        started = time.perf_counter()
        try:
            reports = evaluate_site(rows=log_order(log.decisions, log.events), config=request.config,
                                    site=log.site, since_ms=log.since_ms, now_ms=request.now_ms)
            error = None
        except Exception as failure:  # told to the server, which logs it and shows it on the results page
            traceback.print_exc()
            reports, error = None, f"{type(failure).__name__}: {failure}"
        outcomes.append(SiteOutcome(log.site, round((time.perf_counter() - started) * 1000), reports, error))
    return outcomes


def main() -> None:
    os.nice(NICENESS)
    request = pickle.load(sys.stdin.buffer)  # from the server that started this process, never from outside
    pickle.dump(evaluate(request), sys.stdout.buffer)


if __name__ == "__main__":
    from server.evaluate.worker import main as main_by_its_name  # so the outcomes unpickle as server.evaluate.worker's

    main_by_its_name()
