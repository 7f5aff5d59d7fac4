"""The `attune` command: `attune serve` runs the decision service on the embedded default."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys

# small matrix inversions run faster on one BLAS thread than on threads that fight the server for 2 cores
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
from pathlib import Path

from server.admin.accounts.cli import add_commands as admin_commands
from server.admin.accounts.cli import run as admin_run
from server.client_address import proxy_address
from server.config.loader import ConfigError, load_config
from server.evaluate.command import add_command as evaluate_command
from server.evaluate.command import run as evaluate_run
from server.settings import Settings, check_scaled
from server.startup import StartupError, report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="attune", description="Self-hosted personalization that learns from feedback.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the decision service, learner and demo site in one process")
    serve.add_argument("--host", help="address to listen on (env ATTUNE_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (env ATTUNE_PORT, default 8000)")
    serve.add_argument("--data-dir", type=Path, help="where the DuckDB log and snapshots live (env ATTUNE_DATA_DIR)")
    serve.add_argument("--config", type=Path, help="TOML file of sites and blocks (default: the demo site)")
    serve.add_argument("--trusted-proxy", type=proxy_address, action="append", metavar="IP",
                       help="a proxy whose X-Forwarded-For names the client; repeat for each "
                            "(env ATTUNE_TRUSTED_PROXIES, comma-separated; default: none)")
    serve.add_argument("--redis", metavar="URL", help="scaled mode: redis://HOST:PORT/DB shared by edges and the "
                                                      "learner (env ATTUNE_REDIS_URL; default: embedded, one process)")
    serve.add_argument("--role", choices=("edge", "learner"), help="scaled mode: what this process is (env ATTUNE_ROLE)")
    serve.add_argument("--log-json", action="store_true", default=None,
                       help="write every log line as one JSON object (env ATTUNE_LOG_JSON=1)")
    check = commands.add_parser("check-config", help="validate a configuration file and exit")
    check.add_argument("config", type=Path)
    admin_commands(commands)
    evaluate_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _run(_parser().parse_args(argv))
    except StartupError as error:  # what keeps a command from starting, in one line instead of a traceback
        return report(error)


def _run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.command == "check-config":
        return 2 if _load_or_explain(args.config, say_valid=True) is None else 0
    if args.command == "admin":
        return admin_run(args, args.data_dir or settings.data_dir)
    if args.command == "evaluate":
        return evaluate_run(args, settings)
    overrides = {k: v for k, v in {"host": args.host, "port": args.port, "data_dir": args.data_dir,
                                   "config_path": args.config, "redis_url": args.redis, "role": args.role,
                                   "trusted_proxies": args.trusted_proxy and frozenset(args.trusted_proxy),
                                   "log_json": args.log_json}.items()
                 if v is not None}
    settings = dataclasses.replace(settings, **overrides)
    check_scaled(settings)
    config = _load_or_explain(settings.config_path)
    if config is None:
        return 2
    return serve(settings, config)


def _load_or_explain(path: Path | None, *, say_valid: bool = False):
    try:
        config = load_config(path)
    except ConfigError as error:
        print(f"attune: configuration error: {error}", file=sys.stderr)
        return None
    if say_valid:  # `serve` says only "serving on", or what keeps it from serving
        print(f"attune: configuration {path or 'demo'} is valid ({len(config.sites)} site(s))", file=sys.stderr)
    return config


def serve(settings: Settings, config) -> int:
    import uvicorn

    from server.app import serving_app
    from server.log_format import configure_logging
    from server.metrics import process_exited
    from server.runtime import Runtime
    from server.startup import AnnounceWhenServing

    configure_logging(json_lines=settings.log_json)
    if settings.role == "edge":  # scaled mode (server/scaled): no DuckDB here, the stream instead
        from server.scaled.edge_app import serving_edge_app
        app, role = serving_edge_app(settings, config), " as an edge"
    else:
        runtime = Runtime(settings, config)  # a StartupError says what keeps it from serving (see main)
        lifespans = []
        if settings.role == "learner":
            from server.scaled.learner import scaled_learner
            lifespans.append(scaled_learner(runtime, settings.redis_url))
        app, role = serving_app(runtime, lifespans=lifespans), " as the learner" if lifespans else ""
    app = AnnounceWhenServing(app, announcement=(
        f"attune: serving{role} on http://{settings.host}:{settings.port}/ (demo at /demo/, API schema at /schema)"))
    # client addresses come from server.client_address, which trusts X-Forwarded-For only from --trusted-proxy
    uvicorn_logging = {"log_config": None} if settings.log_json else {}  # None: its lines reach our JSON handler
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False, proxy_headers=False,
                **uvicorn_logging)
    process_exited()
    return 0


if __name__ == "__main__":
    sys.exit(main())
