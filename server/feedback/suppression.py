"""Per-visitor memory of rated-down variants; the decide path excludes them."""

from __future__ import annotations

from typing import Protocol


class SuppressionStore(Protocol):
    def add(self, *, site: str, visitor: str, block: str, variant: str) -> None: ...

    def suppressed(self, *, site: str, visitor: str, block: str) -> frozenset[str]: ...


class MemorySuppressionStore:
    """Embedded mode: a dict, rebuilt from the event log at start-up."""

    def __init__(self) -> None:
        self._by_visitor: dict[tuple[str, str, str], frozenset[str]] = {}

    def add(self, *, site: str, visitor: str, block: str, variant: str) -> None:
        key = (site, visitor, block)
        self._by_visitor[key] = self._by_visitor.get(key, frozenset()) | {variant}

    def suppressed(self, *, site: str, visitor: str, block: str) -> frozenset[str]:
        return self._by_visitor.get((site, visitor, block), frozenset())


def is_rated_down(feedback: str | None, value: float | None) -> bool:
    """Thumbs down, or one or two stars."""
    if value is None:
        return False
    return value <= 2 if feedback == "stars" else value < 0
