"""`attune evaluate`: what uniform, each fixed variant and the current policy would have earned on the log."""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import datetime
from pathlib import Path

import orjson

from server.config.loader import ConfigError
from server.config.schema import Config
from server.evaluate.live_config import live_config
from server.evaluate.log import LogUnavailable, logged_rows, open_read_only
from server.evaluate.service import evaluate_site, report_json
from server.evaluate.table import render
from server.settings import Settings
from server.sites import UnknownBlock, UnknownSite

_SPAN = re.compile(r"^(?P<amount>\d+)(?P<unit>[mhd])$")
_UNIT_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000}


def add_command(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="estimate what other policies would have earned on the logged traffic (off-policy)",
        description="Off-policy evaluation (IPS, self-normalised IPS, doubly robust) of uniform choice, each "
                    "fixed variant and the current policy acting greedily, from the decision log's propensities. "
                    "Reads the log read-only; run it while `attune serve` is stopped.",
    )
    evaluate.add_argument("--data-dir", type=Path,
                          help="where the DuckDB log lives (env ATTUNE_DATA_DIR, default .attune)")
    evaluate.add_argument("--config", type=Path,
                          help="the TOML file `attune serve` used (env ATTUNE_CONFIG; default demo)")
    evaluate.add_argument("--site", help="site key (default: the configuration's only site)")
    evaluate.add_argument("--block", action="append", default=[], help="block id; repeat for several (default: all)")
    evaluate.add_argument("--since", help="only decisions since a time (2025-05-01, 2025-05-01T12:00) or a span "
                                          "back from now (30m, 12h, 7d)")
    evaluate.add_argument("--json", action="store_true", help="print JSON instead of tables")


def since_ms(text: str | None, *, now_ms: int) -> int:
    """Milliseconds since the epoch for --since (0: everything); a date without a zone is local time."""
    if not text:
        return 0
    span = _SPAN.match(text.strip())
    if span:
        return now_ms - int(span["amount"]) * _UNIT_MS[span["unit"]]
    try:
        return int(datetime.fromisoformat(text.strip()).astimezone().timestamp() * 1000)
    except ValueError:
        raise ValueError(f"--since: {text!r} is neither a date like 2025-05-01 nor a span like 7d, 12h, 30m") from None


def run(args: argparse.Namespace, settings: Settings) -> int:
    now = int(time.time() * 1000)
    try:
        cutoff = since_ms(args.since, now_ms=now)
        connection = open_read_only(args.data_dir or settings.data_dir)
    except (ValueError, LogUnavailable) as error:
        return _fail(str(error))
    try:
        config, source = live_config(connection, args.config or settings.config_path)
        site = args.site or _only_site(config)
        reports = evaluate_site(rows=logged_rows(connection), config=config, site=site, blocks=args.block,
                                since_ms=cutoff, now_ms=now)
    except ConfigError as error:
        return _fail(f"configuration error: {error}")
    except (UnknownSite, UnknownBlock, ValueError) as error:
        return _fail(str(error.args[0]) if error.args else str(error))
    finally:
        connection.close()
    if args.json:
        sys.stdout.write(orjson.dumps(report_json(site=site, since_ms=cutoff, reports=reports),
                                      option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(render(site=site, source=source, since_ms=cutoff, reports=reports))
    return 0


def _only_site(config: Config) -> str:
    if len(config.sites) == 1:
        return config.sites[0].key
    raise ValueError(f"--site is needed: the configuration has {', '.join(s.key for s in config.sites)}")


def _fail(message: str) -> int:
    print(f"attune: {message}", file=sys.stderr)
    return 2
