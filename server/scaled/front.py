"""A small front proxy for trying scaled mode on one machine: one port, the learner's paths to the learner,
everything else round-robin to the edges (the same split as infra/nginx.conf and the Kubernetes Ingress).

Bodies stream both ways. The client's address is sent as X-Forwarded-For, replacing whatever the client
sent, so Attune can trust this proxy (ATTUNE_TRUSTED_PROXIES=127.0.0.1) without trusting the client.
"""

from __future__ import annotations

import itertools

import httpx

LEARNER_PATHS = ("/admin", "/static/admin/", "/v1/consent", "/v1/visitor/", "/v1/surveys/", "/v1/sites/",
                 "/transparency", "/schema")
# Host is passed on (as infra/nginx.conf does): an origin check compares a page's Origin with the Host it was served on
HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade", b"te",
              b"trailer", b"x-forwarded-for", b"content-length"}


def upstream_for(path: str, learner: str, edges: itertools.cycle) -> str:
    """
    >>> edges = itertools.cycle(["e1", "e2"])
    >>> [upstream_for(p, "L", edges) for p in ("/v1/decide", "/admin/blocks", "/v1/events", "/v1/visitor/erase")]
    ['e1', 'L', 'e2', 'L']
    """
    return learner if path.startswith(LEARNER_PATHS) else next(edges)


class FrontProxy:
    def __init__(self, *, learner: str, edges: list[str]) -> None:
        self.learner, self.edges = learner, itertools.cycle(edges)
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(30.0), follow_redirects=False)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await self.client.aclose()
            await send({"type": "lifespan.shutdown.complete"})
            return
        base = upstream_for(scope["path"], self.learner, self.edges)
        url = base + scope["raw_path"].decode("latin-1") + (f"?{scope['query_string'].decode('latin-1')}"
                                                           if scope["query_string"] else "")
        headers = [(k, v) for k, v in scope["headers"] if k not in HOP_BY_HOP]
        headers.append((b"x-forwarded-for", scope["client"][0].encode()))

        async def body():
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return
                yield message.get("body", b"")
                if not message.get("more_body"):
                    return

        request = self.client.build_request(scope["method"], url, headers=headers, content=body())
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError:
            await send({"type": "http.response.start", "status": 502, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"the upstream Attune process did not answer"})
            return
        try:
            await send({"type": "http.response.start", "status": response.status_code,
                        "headers": [(k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP]})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()
