"""CORS that answers only the origins a site allows: preflight by the union, requests by the site."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import PermissionDeniedException

if TYPE_CHECKING:
    from collections.abc import Collection

    from litestar import Request
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from server.config.schema import Site

PREFLIGHT_MAX_AGE = "600"


class OriginVerdict(Enum):
    ABSENT = "absent"  # no Origin header: not a browser's cross-origin call
    ALLOWED = "allowed"  # an allowed origin: answer with Access-Control-Allow-Origin
    OWN = "own"  # the server's own pages (demo, admin): same-origin, no CORS header needed
    REFUSED = "refused"  # any other origin: 403


def origin_verdict(origin: str | None, *, scope: Scope, allowed: Collection[str]) -> OriginVerdict:
    """The one origin check: the decide fast path, the routes and the CORS middleware all ask it.

    The request's own origin (its scheme and Host) is worked out only for an origin no site allows.

    >>> scope = {"scheme": "http", "headers": [(b"host", b"localhost:8080")]}
    >>> origin_verdict("https://shop.example", scope=scope, allowed=["https://shop.example"])
    <OriginVerdict.ALLOWED: 'allowed'>
    >>> origin_verdict("http://localhost:8080", scope=scope, allowed=[]).name
    'OWN'
    >>> origin_verdict("https://evil.example", scope=scope, allowed=["https://shop.example"])
    <OriginVerdict.REFUSED: 'refused'>
    """
    if origin is None or origin == "":
        return OriginVerdict.ABSENT
    if "*" in allowed or origin in allowed:
        return OriginVerdict.ALLOWED
    return OriginVerdict.OWN if origin == own_origin(scope) else OriginVerdict.REFUSED


def own_origin(scope: Scope) -> str:
    """The origin of a page this server served itself, as the request's Origin header would name it."""
    host = next((v for k, v in scope["headers"] if k == b"host"), b"").decode("latin-1")
    return f"{scope.get('scheme', 'http')}://{host}"


def check_origin(request: Request, site: Site) -> None:
    origin = request.headers.get("origin")
    if origin_verdict(origin, scope=request.scope, allowed=site.allowed_origins) is OriginVerdict.REFUSED:
        raise PermissionDeniedException(f"origin {origin!r} is not in allowed_origins of site {site.key!r}")


class SiteCorsMiddleware:
    """ASGI middleware for /v1/: answers preflights and adds Allow-Origin for allowed origins only."""

    def __init__(self, app: ASGIApp, allowed: callable) -> None:
        self.app = app
        self.allowed = allowed  # () -> set of every site's origins, read per request so edits apply

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        origin = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"origin"), None)
        allowed = origin_verdict(origin, scope=scope, allowed=self.allowed()) is OriginVerdict.ALLOWED
        if scope["method"] == "OPTIONS" and origin is not None:
            status = 204 if allowed else 403
            headers = [(b"vary", b"Origin")]
            if allowed:
                headers += [
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-allow-methods", b"POST, GET, OPTIONS"),
                    (b"access-control-allow-headers", b"content-type"),
                    (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
                ]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start" and allowed:
                headers = MutableScopeHeaders.from_message(message)
                headers["access-control-allow-origin"] = origin
                headers.add("vary", "Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)
