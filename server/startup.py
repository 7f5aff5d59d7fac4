"""Why `attune serve` cannot start, said in one line, and "serving on" said only once it serves."""

from __future__ import annotations

import errno
import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send

EXIT_CODE = 3  # what uvicorn exits with when start-up fails, so every start-up failure exits alike
_LOCK_HOLDER = re.compile(r"held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
_CORRUPT_BLOCK = re.compile(r"in block at location (\d+)")


class StartupError(RuntimeError):
    """What is wrong and what to do, printed as `attune: <what is wrong>; <what to do>`."""


def data_dir_error(directory: Path, error: OSError) -> StartupError:
    """An OSError met while preparing the data directory, as what to do about it."""
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StartupError(f"data directory {directory} is read-only ({error.strerror}); "
                            "make it writable by this user or choose another with --data-dir")
    return StartupError(f"data directory {directory} cannot be used ({error.strerror or error}); "
                        "fix it or choose another with --data-dir")


def event_log_error(path: Path, error: Exception) -> StartupError:
    """A DuckDB error met while opening or reading the event log, as what to do about it."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "Could not set lock" in message:
        holder = _LOCK_HOLDER.search(message)
        by = f"PID {holder['pid']} ({Path(holder['program']).name})" if holder else "another process"
        return StartupError(f"{path} is in use: lock held by {by}; stop that process "
                            "or give this one another --data-dir")
    if "not a valid DuckDB database" in message:
        return StartupError(f"{path} is not a DuckDB database; restore it from a backup or move it away")
    if "Permission denied" in message or "Read-only file system" in message:
        return StartupError(f"{path} cannot be written ({message}); "
                            "make the data directory writable or choose another with --data-dir")
    if "Corrupt database" in message or "checksum" in message:
        block = _CORRUPT_BLOCK.search(message)
        where = f"a checksum fails in the block at byte {block[1]}" if block else message
        return StartupError(f"{path} is corrupt ({where}); restore it from a backup or move it away")
    return StartupError(f"{path} cannot be opened ({message}); restore it from a backup or move it away")


def report(error: StartupError) -> int:
    print(f"attune: {error}", file=sys.stderr, flush=True)
    return EXIT_CODE


class AnnounceWhenServing:
    """Wrap the app so that "serving on" is printed once its lifespan started (the runtime restored and
    running), and a StartupError raised there is printed as its one line instead of a traceback."""

    def __init__(self, app: ASGIApp, *, announcement: str) -> None:
        self.app = app
        self.announcement = announcement

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def forward(message) -> None:
            if message["type"] == "lifespan.startup.complete":
                print(self.announcement, file=sys.stderr, flush=True)
            elif message["type"] == "lifespan.startup.failed":
                failure = _startup_error(sys.exc_info()[1])  # sent from inside the except block that caught it
                if failure is not None:
                    report(failure)
                    # uvicorn would add its traceback and "Application startup failed": the line above says it
                    logging.getLogger("uvicorn.error").addFilter(lambda record: False)
                    message = {**message, "message": ""}
            await send(message)

        await self.app(scope, receive, forward)


def _startup_error(error: BaseException | None) -> StartupError | None:
    """The StartupError in `error`, which task groups may have wrapped in exception groups."""
    if isinstance(error, StartupError):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = _startup_error(inner)
            if found is not None:
                return found
    return _startup_error(error.__cause__) if error is not None and error.__cause__ is not None else None
