"""Per-visitor memory of rated-down variants; the decide path excludes them."""

from __future__ import annotations

import threading
from typing import Protocol


class SuppressionStore(Protocol):
    def add(self, *, site: str, visitor: str, block: str, variant: str) -> None: ...

    def suppressed(self, *, site: str, visitor: str, block: str) -> frozenset[str]: ...

    def remove(self, *, site: str, visitor: str, block: str, variant: str) -> bool: ...

    def of_visitor(self, *, site: str, visitor: str) -> dict[str, frozenset[str]]: ...

    def forget(self, *, site: str, visitor: str) -> int: ...


class MemorySuppressionStore:
    """Embedded mode: a dict, rebuilt from the event log at start-up.

    >>> store = MemorySuppressionStore()
    >>> store.add(site="pk", visitor="h", block="hero", variant="deal")
    >>> store.suppressed(site="pk", visitor="h", block="hero")
    frozenset({'deal'})
    >>> store.remove(site="pk", visitor="h", block="hero", variant="deal")
    True
    >>> store.forget(site="pk", visitor="h")
    0
    """

    def __init__(self) -> None:
        self._by_visitor: dict[tuple[str, str], dict[str, frozenset[str]]] = {}  # (site, visitor) -> block -> hidden
        self._lock = threading.Lock()  # the learner adds while a visitor's undo or erasure removes

    def add(self, *, site: str, visitor: str, block: str, variant: str) -> None:
        with self._lock:
            blocks = self._by_visitor.setdefault((site, visitor), {})
            blocks[block] = blocks.get(block, _NONE) | {variant}

    def suppressed(self, *, site: str, visitor: str, block: str) -> frozenset[str]:
        blocks = self._by_visitor.get((site, visitor))
        return blocks.get(block, _NONE) if blocks else _NONE

    def remove(self, *, site: str, visitor: str, block: str, variant: str) -> bool:
        """Show `variant` to this visitor again; whether it was hidden."""
        with self._lock:
            blocks = self._by_visitor.get((site, visitor), {})
            hidden = blocks.get(block, _NONE)
            if variant not in hidden:
                return False
            if len(hidden) > 1:
                blocks[block] = hidden - {variant}
            elif len(blocks) > 1:
                del blocks[block]
            else:
                del self._by_visitor[(site, visitor)]
            return True

    def of_visitor(self, *, site: str, visitor: str) -> dict[str, frozenset[str]]:
        """Block -> hidden variants, for one visitor."""
        with self._lock:
            return dict(self._by_visitor.get((site, visitor), {}))

    def forget(self, *, site: str, visitor: str) -> int:
        """Forget everything this visitor rated down; how many variants were hidden."""
        with self._lock:
            return sum(map(len, self._by_visitor.pop((site, visitor), {}).values()))

    def everything(self) -> list[tuple[str, str, dict[str, frozenset[str]]]]:
        """(site, visitor, block -> hidden) for every visitor: scaled mode copies them into Redis at start."""
        with self._lock:
            return [(site, visitor, dict(blocks)) for (site, visitor), blocks in self._by_visitor.items()]


_NONE: frozenset[str] = frozenset()


def is_rated_down(feedback: str | None, value: float | None) -> bool:
    """Thumbs down, or one or two stars."""
    if value is None:
        return False
    return value <= 2 if feedback == "stars" else value < 0
