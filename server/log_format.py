"""How `attune serve` logs: readable text lines, or (`--log-json`, ATTUNE_LOG_JSON=1) one JSON object a line."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """A record as one line of JSON: ts (UTC, ISO 8601), level, logger, message, and exc when there is one.

    >>> record = logging.LogRecord("attune", logging.WARNING, __file__, 1, "two\\nlines %d", (2,), None)
    >>> record.created = 0.0
    >>> print(JsonLines().format(record))
    {"ts": "1970-01-01T00:00:00.000Z", "level": "WARNING", "logger": "attune", "message": "two\\nlines 2"}
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)  # newlines escaped: a record stays one line


def configure_logging(*, json_lines: bool) -> None:
    """The root logger at INFO on stderr, as text or JSON lines; Python's warnings go through it too."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.captureWarnings(True)
