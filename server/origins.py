"""CORS that answers only the origins a site allows: preflight by the union, requests by the site."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import PermissionDeniedException

from server.sites import origin_allowed

if TYPE_CHECKING:
    from litestar import Request
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from server.config.schema import Site

PREFLIGHT_MAX_AGE = "600"


def check_origin(request: Request, site: Site) -> None:
    origin = request.headers.get("origin")
    if origin and not origin_allowed(origin, site.allowed_origins) and origin != _own_origin(request):
        raise PermissionDeniedException(f"origin {origin!r} is not in allowed_origins of site {site.key!r}")


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


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
        allowed = origin is not None and origin_allowed(origin, self.allowed())
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
