"""Attune's benchmarks: `python -m tests.bench [--quick] [--only decide,ingest,learner,policies,admin,ope,learning,pending]`.

Prints one plain-text table per section with PASS/FAIL lines for the targets, and saves
every number to tests/bench/out/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

# as server/cli.py does, before numpy loads, so the in-process learner numbers match the server
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from tests.bench import admin, decide, ingest, learner, learning, ope, pending, policies
from tests.bench import feedback
from tests.bench import cardinality
from tests.bench import scenarios
from tests.bench import scaled
from tests.bench.common import Options

SECTIONS = {"decide": decide, "ingest": ingest, "learner": learner, "policies": policies, "admin": admin, "ope": ope,
            "learning": learning, "pending": pending}
SECTIONS["feedback"] = feedback  # feedback intelligence (issue 13)
SECTIONS["cardinality"] = cardinality  # high-cardinality context (issue 16, part 3)
SECTIONS["scenarios"] = scenarios  # held-out scenario families (issue 16, part 1)
SECTIONS["scaled"] = scaled  # scaled mode on Redis against embedded (issue 14, part 5)
OUT = Path(__file__).with_name("out") / "results.json"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run (about a minute)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections to run, from {','.join(SECTIONS)}")
    parser.add_argument("--seeds", help="population seeds for the policy section (default 1,2; quick: 1)")
    parser.add_argument("--impressions", type=int, help="impressions per policy (default 50000; quick: 4000)")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the JSON results")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    seeds = tuple(int(s) for s in (args.seeds or ("1" if args.quick else "1,2")).split(","))
    impressions = args.impressions or (4000 if args.quick else 50_000)
    started = time.time()
    results: dict = {"meta": {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)), "quick": args.quick,
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "sections": chosen, "seeds": seeds, "impressions": impressions, "load_average_start": os.getloadavg(),
    }}
    print(f"Attune benchmarks ({'quick' if args.quick else 'full'} run) on {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f} "
          "(other work on the machine skews every number: see the 'other cores' columns)")
    with tempfile.TemporaryDirectory(prefix="attune-bench-") as work_dir:
        opts = Options(quick=args.quick, seeds=seeds, impressions=impressions, work_dir=Path(work_dir))
        for name in chosen:
            section_started = time.perf_counter()
            results[name] = SECTIONS[name].run(opts)
            results[name]["seconds"] = round(time.perf_counter() - section_started, 1)
    results["meta"]["seconds"] = round(time.time() - started, 1)
    results["meta"]["load_average_end"] = os.getloadavg()
    verdicts = [v for name in chosen for v in results[name].get("verdicts", [])]
    results["verdicts"] = verdicts
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str))
    passed = sum(v["passed"] for v in verdicts)
    print(f"\n{passed}/{len(verdicts)} targets met in {results['meta']['seconds']:.0f} s; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
