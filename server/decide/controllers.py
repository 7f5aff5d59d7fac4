"""HTTP for decide: thin; the service does the work."""

from __future__ import annotations

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from server.body import BROWSER_TEXT
from server.decide.schemas import DecideRequest, DecideResponse
from server.decide.service import DecideDeps, decide
from server.errors import answers
from server.origins import check_origin


class DecideController(Controller):
    path = "/v1/decide"
    tags = ["data plane"]

    @post(status_code=200, summary="Choose a variant for each block", description=(
        "Several blocks in one call. Each decision carries its propensity and an explanation. The body is JSON, "
        "sent as application/json or as text/plain (a CORS-simple request: what the JS SDK sends). On a site that "
        "asks for consent, a `Sec-GPC: 1` header (Global Privacy Control) turns personalization off and the visitor "
        "id is not used, unless `consented` says the visitor allowed personalization on this site."),
        opt={BROWSER_TEXT: True}, responses=answers(400, 403, 404, 413, 415))
    async def decide(
        self, request: Request, data: JSONBody[DecideRequest], decide_deps: NamedDependency[DecideDeps]
    ) -> DecideResponse:
        site = decide_deps.sites.site(data.site)
        check_origin(request, site)
        response = decide(request=data, deps=decide_deps, gpc=request.headers.get("sec-gpc") == "1")
        if decide_deps.logged is not None:
            await decide_deps.logged()  # scaled mode: see server/scaled/decision_stream.py
        return response
