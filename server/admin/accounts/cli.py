"""`attune admin create-user NAME --role editor|viewer [--password-stdin]`, against a stopped server's data dir."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from server.admin.accounts.users import MIN_PASSWORD, ROLES, UserError, UserStore
from server.storage.admin_db import AdminDb, now_ms, record
from server.storage.event_log import EventLog


def add_commands(commands: argparse._SubParsersAction) -> None:
    admin = commands.add_parser("admin", help="manage admin users while `attune serve` is stopped "
                                                   "(while it runs: the admin's Users page)")
    actions = admin.add_subparsers(dest="admin_command", required=True)
    create = actions.add_parser("create-user", help="add a user who can sign in at /admin")
    create.add_argument("name")
    create.add_argument("--role", choices=ROLES, default="viewer", help="viewer: read only; editor: change too")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.add_argument("--data-dir", type=Path, help="the server's data directory (env ATTUNE_DATA_DIR)")
    actions.add_parser("list-users", help="show users and roles").add_argument("--data-dir", type=Path)


def run(args: argparse.Namespace, data_dir: Path) -> int:
    log = EventLog(data_dir / "attune.duckdb")  # a StartupError (lock held by the server) is said by server/cli.py
    try:
        users = UserStore(AdminDb(log))
        if args.admin_command == "list-users":
            for user in users.all():
                print(f"{user.name}\t{user.role}")
            return 0
        password = _password(args.password_stdin)
        try:
            user = users.create(args.name, password, args.role)
        except UserError as error:
            print(f"attune: {error}", file=sys.stderr)
            return 2
        record(users.db, at=now_ms(), actor="cli", action="create-user", target=f"user/{user.name}",
               summary=f"created user {user.name!r} ({user.role})")
        print(f"attune: created {user.role} {user.name!r}", file=sys.stderr)
        return 0
    finally:
        log.close()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"Password (at least {MIN_PASSWORD} characters): ")
    if getpass.getpass("Again: ") != first:
        print("attune: the passwords differ", file=sys.stderr)
        sys.exit(2)
    return first
