"""At an edge, before decide runs: the visitor's shared state, read from Redis in one pipelined round trip.

An ASGI layer in front of the decide fast path: it reads the body, finds the site, the visitor and the blocks,
loads what Redis holds for them (server/scaled/shared_visitor.py: sticky decisions, rated-down variants,
interests and profile traits, behavioural counters), and hands the request on with that state in place; it is
dropped once the answer is sent. A new visitor's impressions claim their first page the same way,
in a task after the events are acknowledged. While Redis is unreachable nothing is read and decide answers from
this edge's memory; a read that times out marks Redis unreachable (the edge's watch loop finds it again).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server import metrics
from server.decide.service import DecideDeps, claim_first_page, visitor_hash
from server.scaled.broadcast import REDIS_DOWN
from server.scaled.shared_visitor import Loaded, SharedVisitorState


class _Target(msgspec.Struct):
    site: str = ""
    visitor: str | None = None
    blocks: list[str] = []


_target = msgspec.json.Decoder(_Target).decode


class VisitorPrefetch:
    def __init__(self, app: ASGIApp, *, state: SharedVisitorState, deps: Callable[[], DecideDeps],
                 unreachable: Callable[[], None], max_body: int) -> None:
        self.app, self.state, self.deps, self.unreachable, self.max_body = app, state, deps, unreachable, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/v1/decide":
            await self.app(scope, receive, send)
            return
        messages = await _read_body(receive, self.max_body)
        key, loaded = await self._load(b"".join(m.get("body", b"") for m in messages))
        try:
            await self.app(scope, _replay(messages, receive), send)
        finally:
            if key is not None and self.state.loaded.get(key) is loaded:
                del self.state.loaded[key]

    async def _load(self, body: bytes) -> tuple[tuple[str, str] | None, Loaded | None]:
        if not body or not self.state.reachable():
            return None, None
        try:
            target = _target(body)
        except Exception:  # not a decide request decide would take: it answers the 4xx itself
            return None, None
        site = self.state.sites.sites.get(target.site)
        if site is None or not target.visitor:
            return None, None
        hashed = visitor_hash(self.deps().visitor_key, site.key, target.visitor)
        try:
            loaded = await self.state.load(site.key, hashed, list(dict.fromkeys(target.blocks))[:50],
                                           counters=site.counters is not None)
        except REDIS_DOWN:
            self.state.redis_errors += 1
            metrics.REDIS_ERRORS.labels("visitor").inc()
            self.unreachable()
            return None, None
        self.state.loaded[(site.key, hashed)] = loaded
        return (site.key, hashed), loaded


async def claim_shared_first_page(state: SharedVisitorState, deps: DecideDeps, *, site: str, visitor: str,
                                  decision_ids: list[str]) -> int:
    """claim_first_page with the first pages any edge noted, and the visitor's sticky decisions, from Redis."""
    hashed = visitor_hash(deps.visitor_key, site, visitor)
    configured = state.sites.sites.get(site)
    loaded = None
    if configured is not None and state.reachable():
        try:
            loaded = await state.load(site, hashed, [b.id for b in configured.blocks], claims=decision_ids,
                                      counters=configured.counters is not None)
        except REDIS_DOWN:
            state.redis_errors += 1
            metrics.REDIS_ERRORS.labels("visitor").inc()
    if loaded is None:
        return claim_first_page(deps, site=site, visitor=visitor, decision_ids=decision_ids)
    state.loaded[(site, hashed)] = loaded
    state.first_pages.update(loaded.first_pages)
    try:
        return claim_first_page(deps, site=site, visitor=visitor, decision_ids=decision_ids)
    finally:
        for decision_id in loaded.first_pages:
            state.first_pages.pop(decision_id, None)
        if state.loaded.get((site, hashed)) is loaded:
            del state.loaded[(site, hashed)]


async def _read_body(receive: Receive, limit: int) -> list[Message]:
    """The request's messages, up to `limit` bytes of body (past it, the rest is left for the app to refuse)."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if not message.get("more_body") or size > limit:
            return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
