"""Visitors' chosen interests, in memory for decide (which never queries DuckDB), kept in `visitor_interests`."""

from __future__ import annotations

import threading
from collections.abc import Callable

import duckdb


class VisitorInterests:
    """(site, visitor hash) -> interest ids; loaded from the log at start-up, changed after each stored change.

    >>> interests = VisitorInterests()
    >>> interests.set(site="pk", visitor="h", interests=("running", "tea"))
    >>> interests.of("pk", "h"), interests.of("pk", "other")
    (('running', 'tea'), ())
    >>> interests.forget(site="pk", visitor="h"), interests.of("pk", "h")
    (2, ())
    """

    def __init__(self) -> None:
        self._chosen: dict[tuple[str, str], tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self.on_change: Callable[[str, str], None] | None = None  # scaled mode: mirrors (site, visitor) into Redis

    def load(self, cursor: duckdb.DuckDBPyConnection) -> int:
        rows = cursor.execute("SELECT site, visitor, interests FROM visitor_interests").fetchall()
        with self._lock:
            self._chosen = {(site, visitor): tuple(chosen) for site, visitor, chosen in rows if chosen}
        return len(self._chosen)

    def of(self, site: str, visitor: str) -> tuple[str, ...]:
        return self._chosen.get((site, visitor), ())

    def set(self, *, site: str, visitor: str, interests: tuple[str, ...]) -> None:
        with self._lock:
            if interests:
                self._chosen[(site, visitor)] = interests
            else:
                self._chosen.pop((site, visitor), None)
        if self.on_change is not None:
            self.on_change(site, visitor)

    def forget(self, *, site: str, visitor: str) -> int:
        with self._lock:
            forgotten = len(self._chosen.pop((site, visitor), ()))
        if self.on_change is not None:
            self.on_change(site, visitor)
        return forgotten

    def visitors(self) -> list[tuple[str, str]]:
        """Every (site, visitor hash) with interests."""
        with self._lock:
            return list(self._chosen)
