"""The Feedback page's themes are learned by a background thread: on a long log the first page load answers at once
with what is learned so far and "Catching up: N of M answers", and a restart continues from the snapshot in the
data directory instead of reading the whole log again."""

from __future__ import annotations

import time

import pytest

from server.storage.event_log import EventLog
from server.storage.rows import EventRow
from tests.support.admin import admin_app, signed_in
from tests.support.survey_answers import THEMED_TEXTS
from tests.support.survey_config import surveys_config

ANSWERS = 3_000  # about 1.5 ms each: a first pass of several seconds, long enough to be caught in the middle
PAGE_SHARE = 0.25  # the slowest page load during the first pass, as a share of it (the old page waited it all)


def long_log(data_dir, now_ms: int) -> None:
    """ANSWERS open-text answers already in the log before the server starts, as a year of traffic leaves it."""
    log = EventLog(data_dir / "attune.duckdb")
    rows = [EventRow(id=f"old-answer-{n:06d}", site="pk_test", visitor=f"v{n}", type="survey_answer",
                     decision_id=None, value=None, ts=None, received_at=now_ms - n * 1_000, seq=n + 1, survey="nps",
                     question="why", text=f"{THEMED_TEXTS[n % len(THEMED_TEXTS)]} (order {n})")
            for n in range(ANSWERS)]
    try:
        with log.cursor() as cursor:
            log.append(cursor, [], rows)
    finally:
        log.close()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("feedback-background")
    (root / "data").mkdir()
    long_log(root / "data", now_ms=time.time_ns() // 1_000_000)
    return root


def feedback(admin, took: list[float] | None = None) -> dict:
    started = time.perf_counter()
    response = admin.get("/admin/api/sites/pk_test/feedback")
    assert response.status_code == 200, response.text
    if took is not None:
        took.append(time.perf_counter() - started)
    return response.json()


def test_a_long_log_is_learned_in_the_background_while_pages_show_progress(data):
    with admin_app(data / "data", config=surveys_config(data)) as app:
        admin = signed_in(app)
        took: list[float] = []
        seen, deadline = feedback(admin, took), time.monotonic() + 120
        while seen["learned_all_sites"] < ANSWERS // 10 or seen["logged_all_sites"] < ANSWERS:
            assert time.monotonic() < deadline, seen
            time.sleep(0.05)
            seen = feedback(admin, took)  # the learner counts the backlog, then learns it chunk by chunk
        assert seen["catching_up"] and seen["learned_all_sites"] < ANSWERS
        page = admin.get("/admin/sites/pk_test/feedback")
        assert page.status_code == 200 and 'id="catching-up"' in page.text and "of\n  3,000 answers" in page.text
        assert app.runtime.feedback.caught_up(timeout=300)
        done = feedback(admin)
        assert not done["catching_up"] and done["answers"] == ANSWERS and done["rebuild_seconds"] > 0
        assert max(took) < PAGE_SHARE * done["rebuild_seconds"], (took, done["rebuild_seconds"])  # never waited
        assert 'id="catching-up"' not in admin.get("/admin/sites/pk_test/feedback").text
        print(f"\nfeedback first pass: {ANSWERS} answers in {done['rebuild_seconds']:.1f} s "
              f"({ANSWERS / done['rebuild_seconds']:.0f} answers/s) in the background")
        data.joinpath("themes.json").write_text(repr(sorted((t["label"], t["count"]) for t in done["themes"])))
        admin.close()
    assert (data / "data" / "feedback.snapshot").stat().st_size > 0  # written at stop


def test_a_restart_continues_from_the_snapshot(data):
    with admin_app(data / "data", config=surveys_config(data)) as app:
        admin = signed_in(app)
        assert app.runtime.feedback.caught_up(timeout=60)
        view = feedback(admin)
        assert app.runtime.feedback.intelligence.restored
        assert view["answers"] == ANSWERS and not view["catching_up"]
        themes = repr(sorted((t["label"], t["count"]) for t in view["themes"]))
        assert themes == data.joinpath("themes.json").read_text()
        print(f"\nfeedback restart from the snapshot: {view['rebuild_seconds'] * 1000:.0f} ms")
        admin.close()


def test_answers_deleted_while_the_server_was_down_leave_the_counts(data):
    log = EventLog(data / "data" / "attune.duckdb")  # as retention or an erasure would, before the next start
    try:
        with log.cursor() as cursor:
            cursor.execute("DELETE FROM events WHERE id < 'old-answer-000100'")
    finally:
        log.close()
    with admin_app(data / "data", config=surveys_config(data)) as app:
        admin = signed_in(app)
        assert app.runtime.feedback.caught_up(timeout=60)
        view = feedback(admin)
        assert view["answers"] == ANSWERS - 100 and sum(t["count"] for t in view["themes"]) <= ANSWERS - 100
        admin.close()


def test_an_unreadable_snapshot_is_ignored_and_rebuilt(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "feedback.snapshot").write_bytes(b"\x00not msgpack")
    with admin_app(tmp_path / "data", config=surveys_config(tmp_path)) as app:
        assert app.runtime.feedback.caught_up(timeout=30)
        assert not app.runtime.feedback.intelligence.restored
        admin = signed_in(app)
        assert feedback(admin)["answers"] == 0
        admin.close()
