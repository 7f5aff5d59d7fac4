"""Jinja filters for the admin templates: times, shares and intervals as a reader wants them."""

from __future__ import annotations

import time


def when(ms: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ms / 1000)) if ms else "—"


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def interval(ci, kind: str = "num") -> str:
    if ci is None:
        return "—"
    show = pct if kind == "pct" else num
    return f"{show(ci.low)} to {show(ci.high)}"


def safe_href(href: str | None) -> str | None:
    """Like the widget: only http(s) and same-site links become links."""
    if href and (href.startswith(("https://", "http://", "/", "#")) and not href.startswith("//")):
        return href
    return None


FILTERS = {"when": when, "pct": pct, "num": num, "interval": interval, "safe_href": safe_href}


def register(engine) -> None:
    engine.engine.filters.update(FILTERS)
