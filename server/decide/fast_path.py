"""The decide hot path: a plain ASGI app in front of Litestar that answers valid decide calls itself.

Litestar's per-request machinery (routing, dependency injection, middleware layers, response
objects) costs more than the decision it carries: measured in-process, 60 us of a 91 us call.
A valid `POST /v1/decide` is decoded, decided and encoded here with the same Structs and the
same service as the Litestar route. Anything else — another path, a preflight, a body that does
not decode or that the body gate (server/body.py) refuses, an unknown site or block, a foreign
origin — goes on to Litestar with its body, so every error answer and the OpenAPI document still
come from one place.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.body import media_type_problem, shape_problem
from server.decide.schemas import DecideRequest
from server.decide.service import DecideDeps, decide
from server.metrics import observe_decide
from server.origins import OriginVerdict, origin_verdict
from server.sites import UnknownBlock, UnknownSite

_decode = msgspec.json.Decoder(DecideRequest).decode
_encode = msgspec.json.Encoder().encode
_JSON = (b"content-type", b"application/json")
_USUAL_TYPES = frozenset({b"application/json", b"text/plain;charset=UTF-8"})  # what clients and the JS SDK send


class DecideFastPath:
    def __init__(self, app: ASGIApp, deps: Callable[[], DecideDeps], max_body: int) -> None:
        self.app = app
        self.deps = deps  # read per request: the admin can swap what it holds
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/v1/decide":
            await self.app(scope, receive, send)
            return
        messages, complete = await _read_body(receive, self.max_body)
        started = perf_counter()
        answer = self._answer(scope, b"".join(m.get("body", b"") for m in messages)) if complete else None
        if answer is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        payload, headers, site, decisions = answer
        if (logged := self.deps().logged) is not None:
            await logged()  # scaled mode: the decisions are in the stream (or spool) before anyone can name them
        elapsed = perf_counter() - started
        await send({"type": "http.response.start", "status": 200,
                    "headers": [_JSON, (b"content-length", str(len(payload)).encode()), *headers]})
        await send({"type": "http.response.body", "body": payload})
        observe_decide(site, decisions, elapsed)  # after the answer is on its way: it never waits for this

    def _answer(self, scope: Scope, body: bytes) -> tuple[bytes, list[tuple[bytes, bytes]], str, list] | None:
        """The response, its CORS headers, the site and its decisions (for the metrics), or None when the full
        path must answer."""
        content_type = _header(scope, b"content-type")  # text/plain too: the route's opt BROWSER_TEXT
        if content_type not in _USUAL_TYPES and media_type_problem(
                content_type and content_type.decode("latin-1"), text_too=True):
            return None
        try:
            request = _decode(body)
        except Exception:  # not UTF-8, nested past the recursion limit, not a DecideRequest: Litestar names it
            return None
        if shape_problem(body):
            return None
        deps = self.deps()
        site = deps.sites.sites.get(request.site)
        if site is None:
            return None
        origin = _header(scope, b"origin")
        text = None if origin is None else origin.decode("latin-1")
        verdict = origin_verdict(text, scope=scope, allowed=site.allowed_origins)
        if verdict is OriginVerdict.REFUSED:
            return None  # Litestar answers 403
        allowed = verdict is OriginVerdict.ALLOWED
        headers = [(b"access-control-allow-origin", origin), (b"vary", b"Origin")] if allowed else []
        try:
            response = decide(request=request, deps=deps, gpc=_header(scope, b"sec-gpc") == b"1")
            return _encode(response), headers, site.key, response.decisions
        except (UnknownSite, UnknownBlock):
            return None  # nothing was logged: decide resolves every block before deciding any


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope["headers"] if key == name), None)


async def _read_body(receive: Receive, limit: int) -> tuple[list[Message], bool]:
    """The messages read, and whether they hold the whole body within `limit` bytes.

    Reading stops early past the limit or at a disconnect; the rest is left for Litestar.
    """
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, False
        size += len(message.get("body", b""))
        if size > limit:
            return messages, False
        if not message.get("more_body", False):
            return messages, True


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives back what was read, then whatever the client still sends."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
