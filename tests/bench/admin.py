"""Section 5: admin results queries in DuckDB over a log of a million decisions (budget 200 ms each).

The server folds finished decisions into the results rollup at start and every minute after
(server/storage/rollup.py); the budget holds for the page as it is read then. The first fold
and a page read before it (the raw log alone) are timed too, and printed beside.
"""

from __future__ import annotations

import statistics
import time

from server.admin.reporting.decisions import search
from server.admin.reporting.results import block_results
from server.config.loader import load_config
from server.storage.event_log import EventLog
from server.storage.rollup import fold
from tests.bench.common import Options, section, table, verdict

BUDGET_MS = 200.0
VARIANTS = "['classic', 'deal', 'story', 'app']"

# One block gets every decision (the worst case for its results page); 90% are seen, 8% clicked,
# 2% rated, 5% in the holdout, 10% explored; one every `step_ms`, the last made now.
FILL = f"""
INSERT INTO decisions SELECT md5(i::VARCHAR), 'pk_demo', 'hero', {VARIANTS}[(1 + hash(i) % 4)::BIGINT],
    {VARIANTS}, 0.1 + (hash(i * 3) % 80) / 100, 'contextual', i // 1000, '{{"device": "mobile", "page": "/"}}',
    hash(i * 7) % 10 = 0, hash(i * 13) % 20 = 0, CASE WHEN hash(i * 13) % 20 = 0 THEN 'holdout' ELSE 'model' END,
    NULL, 600000, 'thumbs', $start + i * $step, i + 1, CASE WHEN hash(i * 13) % 20 = 0 THEN 'You see the standard version.'
        ELSE 'Chosen because you are on a phone: visitors like you responded to it most.' END
FROM range($n) t(i);
INSERT INTO events SELECT 'i' || i, 'pk_demo', NULL, 'impression', md5(i::VARCHAR), NULL, NULL, $start + i * $step + 50,
    $n + i + 1 FROM range($n) t(i) WHERE hash(i * 5) % 10 <> 0;
INSERT INTO events SELECT 'c' || i, 'pk_demo', NULL, 'click', md5(i::VARCHAR), NULL, NULL, $start + i * $step + 90,
    3 * $n + i + 1 FROM range($n) t(i) WHERE hash(i * 5) % 10 <> 0 AND hash(i * 11) % 100 < 8 + (hash(i) % 4);
INSERT INTO events SELECT 'r' || i, 'pk_demo', NULL, 'rating', md5(i::VARCHAR), CASE WHEN hash(i * 17) % 3 = 0
    THEN -1 ELSE 1 END, NULL, $start + i * $step + 95, 5 * $n + i + 1
FROM range($n) t(i) WHERE hash(i * 5) % 10 <> 0 AND hash(i * 19) % 100 < 2;
"""


def fill(log: EventLog, n: int, step_ms: int = 100) -> int:
    cursor = log.cursor()
    params = {"n": n, "step": step_ms, "start": int(time.time() * 1000) - n * step_ms}
    for statement in filter(str.strip, FILL.split(";")):
        cursor.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
    return cursor.execute("SELECT count(*) FROM events").fetchone()[0]


def timed(call, repeat: int) -> list[float]:
    call()  # warm: first touch reads the file
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(opts: Options) -> dict:
    n = 100_000 if opts.quick else 1_000_000
    section(f"5. Admin results queries (in-process DuckDB, {n:,} logged decisions in one block)")
    out, verdicts = {}, []
    for label, hours in [("over 28 hours", 100_000_000 / 3_600_000), ("over 90 days", 90 * 24)]:
        out[label], checked = _span(opts, n, step_ms=round(hours * 3_600_000 / n), label=label)
        verdicts += checked
    return {"decisions": n, "spans": out, "verdicts": verdicts}


def _span(opts: Options, n: int, *, step_ms: int, label: str) -> tuple[dict, list]:
    log = EventLog(opts.work_dir / f"admin-bench-{step_ms}" / "attune.duckdb")
    started = time.perf_counter()
    events = fill(log, n, step_ms)
    print(f"\n{label}: filled {n:,} decisions and {events:,} events in {time.perf_counter() - started:.1f} s")
    site = load_config().sites[0]
    hero = site.blocks[0]
    cursor = log.cursor()
    now = int(time.time() * 1000)
    raw = timed(lambda: block_results(cursor, site=site, block=hero), 1 if opts.quick else 3)
    started = time.perf_counter()
    fold(cursor, now_ms=now)
    first_fold = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    fold(cursor, now_ms=now + 60_000)
    minute_fold = (time.perf_counter() - started) * 1000
    rolled, below = cursor.execute("SELECT count(*), $now - max(minute) FROM results_rollup", {"now": now}).fetchone()
    print(f"the rollup holds {rolled:,} rows; decisions of the last {below / 60_000:.0f} minutes are read from the log")
    cases = {
        "block results (variants, series, lift, exploration)": lambda: block_results(cursor, site=site, block=hero),
        "recent decisions (newest 50)": lambda: search(cursor, site=site.key, block="hero"),
        "decisions search (context text)": lambda: search(cursor, site=site.key, text="mobile", variant="deal"),
    }
    rows, out, verdicts = [], {"events": events, "rollup_rows": rolled}, []
    for name, call in cases.items():
        times = timed(call, 3 if opts.quick else 7)
        median, worst = statistics.median(times), max(times)
        rows.append([name, median, worst])
        out[name] = {"median_ms": round(median, 1), "max_ms": round(worst, 1)}
        verdicts.append(verdict(median <= BUDGET_MS, f"{label}, {name}: median {median:.0f} ms <= {BUDGET_MS:.0f} ms",
                                quick=opts.quick))
    rows += [["block results before the first fold (raw log only)", statistics.median(raw), max(raw)],
             ["first fold of the whole log (once, at start, in the background)", first_fold, first_fold],
             ["fold of one more minute (every minute, in the background)", minute_fold, minute_fold]]
    out["raw log only"] = {"median_ms": round(statistics.median(raw), 1), "max_ms": round(max(raw), 1)}
    out["first fold"] = {"ms": round(first_fold, 1)}
    out["minute fold"] = {"ms": round(minute_fold, 1)}
    print(table(["query", "median ms", "max ms"], rows))
    cursor.close()
    log.close()
    return out, verdicts
