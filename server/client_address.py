"""Who is on the other end: the socket peer, or what a configured proxy says in X-Forwarded-For."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.types import Scope

UNKNOWN = "unknown"  # no socket peer (a Unix socket, a test without one)
LONGEST = 64  # an entry that is not an address is cut to this: a proxy's odd value cannot grow a limiter's keys


def client_address(scope: Scope | ASGIConnection[Any, Any, Any, Any], trusted_proxies: frozenset[str]) -> str:
    """The socket peer, unless it is a trusted proxy: then the right-most X-Forwarded-For entry that is not one.

    Entries left of that were written by whoever sent the request, so anyone could have forged them.

    >>> scope = {"client": ("10.0.0.2", 5000), "headers": [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.7")]}
    >>> client_address(scope, frozenset())
    '10.0.0.2'
    >>> client_address(scope, frozenset({"10.0.0.2"}))
    '203.0.113.7'
    """
    scope = getattr(scope, "scope", scope)  # a Litestar Request or WebSocket carries its scope
    peer = scope.get("client")
    address = peer[0] if peer else UNKNOWN
    if address not in trusted_proxies:
        return address
    forwarded = [_canonical(part) for part in _forwarded_for(scope) if part.strip()]
    for entry in reversed(forwarded):
        if entry not in trusted_proxies:
            return entry
    return forwarded[0] if forwarded else address  # every hop is a trusted proxy: the first one asked


def proxy_address(text: str) -> str:
    """One trusted proxy's address in the form `client_address` compares; ValueError when it is not an IP."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not an IP address") from None


def proxy_addresses(texts: Iterable[str]) -> frozenset[str]:
    return frozenset(proxy_address(text) for text in texts if text.strip())


def _forwarded_for(scope: Scope) -> list[str]:
    # several X-Forwarded-For headers read as one list, in the order they came
    return [part for key, value in scope.get("headers", ()) if key == b"x-forwarded-for"
            for part in value.decode("latin-1").split(",")]


def _canonical(entry: str) -> str:
    entry = entry.strip()
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return entry[:LONGEST]
