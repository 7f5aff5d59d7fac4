"""Jobs on the log (erasure, retention) run in the writer thread, after everything queued before them."""

from __future__ import annotations

import pytest

from server.storage.event_log import EventLog
from server.storage.rows import DecisionRow, new_decision_id
from server.storage.writer import GroupCommitWriter
from tests.support.inprocess import run_coroutine


def decision(i: int, visitor: str) -> DecisionRow:
    at = 1_764_000_000_000 + i
    return DecisionRow(decision_id=new_decision_id(at), site="pk", block="b", variant="v", candidates=["v"],
                       propensity=1.0, policy="uniform", policy_version=0, context="{}", explored=False,
                       holdout=False, reason="only_option", visitor=visitor, window_ms=1000, feedback=None,
                       decided_at=at)


def test_a_job_sees_every_row_queued_before_it_and_none_after(tmp_path):
    log = EventLog(tmp_path / "log.duckdb")
    writer = GroupCommitWriter(log, on_commit=lambda d, e: None)
    writer.start()
    for i in range(30):
        writer.log_decision(decision(i, "erase-me"))
    delete = "DELETE FROM decisions WHERE visitor = 'erase-me' RETURNING decision_id"
    deleted = run_coroutine(writer.run_job(lambda cursor: len(cursor.execute(delete).fetchall())))
    writer.log_decision(decision(31, "erase-me"))  # after the job: stays
    counted = writer.run_job_blocking(lambda cursor: cursor.execute("SELECT count(*) FROM decisions").fetchone()[0])
    writer.stop()
    log.close()
    assert (deleted, counted) == (30, 1)


def test_a_failing_job_reaches_its_caller_and_the_writer_goes_on(tmp_path):
    log = EventLog(tmp_path / "log.duckdb")
    writer = GroupCommitWriter(log, on_commit=lambda d, e: None)
    writer.start()
    with pytest.raises(Exception, match="no_such_table"):
        writer.run_job_blocking(lambda cursor: cursor.execute("SELECT * FROM no_such_table"))
    writer.log_decision(decision(1, "v"))
    assert writer.run_job_blocking(lambda cursor: cursor.execute("SELECT count(*) FROM decisions").fetchone()[0]) == 1
    writer.stop()
    log.close()
