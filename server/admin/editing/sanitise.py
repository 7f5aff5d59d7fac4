"""What nh3 removes from admin-authored HTML, in words the editor can act on."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import nh3


class _Inventory(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items[f"<{tag}> element"] += 1
        for name, value in attrs:
            shown = f'{name}="{value[:40]}"' if value else name
            self.items[f"{shown} on <{tag}>"] += 1


def _inventory(html: str) -> Counter[str]:
    parser = _Inventory()
    parser.feed(html)
    parser.close()
    return parser.items


def clean(html: str) -> tuple[str, list[str]]:
    """The sanitised HTML and what was stripped from it (elements and attributes, with counts)."""
    cleaned = nh3.clean(html)
    removed = _inventory(html) - _inventory(cleaned)
    return cleaned, [f"{item} (×{n})" if n > 1 else item for item, n in sorted(removed.items())]
