"""An edge's decisions while Redis cannot take them: a bounded append-only file, sent in order once it can.

Each record is a group of encoded decisions, written with a length prefix and fsynced; a record cut short by
a crash is ignored when read. When the file holds `max_bytes`, further decisions are still answered but not
kept: they are counted in `dropped` (and /healthz), are never learned from, and their events come back unmatched.
"""

from __future__ import annotations

import os
import struct
import threading
from pathlib import Path

import msgspec

from server import metrics

_HEADER = struct.Struct(">I")
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(list[bytes]).decode
DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # ~100k decisions at ~600 bytes each: minutes of a busy edge's traffic


class Spool:
    """
    >>> import tempfile; spool = Spool(Path(tempfile.mkdtemp()) / "s", max_bytes=100)
    >>> spool.append([b"a", b"b"]), spool.append([b"c"]), spool.append([b"x" * 200]), spool.dropped
    (True, True, False, 1)
    >>> spool.groups(), spool.size > 0
    ([[b'a', b'b'], [b'c']], True)
    >>> spool.clear(); spool.groups(), spool.size
    ([], 0)
    """

    def __init__(self, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path, self.max_bytes = path, max_bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._file = open(path, "ab")
        self.size = self._file.tell()  # what a previous run left is sent like the rest
        self.decisions = sum(map(len, self.groups())) if self.size else 0
        self.dropped = 0
        self._export()

    def append(self, rows: list[bytes]) -> bool:
        """Keep a group durably; False (and counted as dropped) when the spool is full."""
        record = _encode(rows)
        with self._lock:
            if self.size + _HEADER.size + len(record) > self.max_bytes:
                self.dropped += len(rows)
                return False
            self._file.write(_HEADER.pack(len(record)) + record)
            self._file.flush()
            os.fsync(self._file.fileno())
            self.size += _HEADER.size + len(record)
            self.decisions += len(rows)
            self._export()
            return True

    def groups(self) -> list[list[bytes]]:
        with self._lock:
            data = self.path.read_bytes()
        groups, at = [], 0
        while at + _HEADER.size <= len(data):
            (length,) = _HEADER.unpack_from(data, at)
            if at + _HEADER.size + length > len(data):
                break  # cut short by a crash mid-write: never acknowledged to anyone
            groups.append(_decode(data[at + _HEADER.size:at + _HEADER.size + length]))
            at += _HEADER.size + length
        return groups

    def clear(self) -> None:
        with self._lock:
            self._file.truncate(0)
            self._file.flush()
            os.fsync(self._file.fileno())
            self.size = self.decisions = 0
            self._export()

    def _export(self) -> None:
        """Only when Redis is away does the spool change: a gauge set per change costs nothing on a healthy edge."""
        metrics.SPOOL_BYTES.set(self.size)
        metrics.SPOOL_DECISIONS.set(self.decisions)

    def close(self) -> None:
        self._file.close()
