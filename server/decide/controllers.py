"""HTTP for decide: thin; the service does the work."""

from __future__ import annotations

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from server.decide.schemas import DecideRequest, DecideResponse
from server.decide.service import DecideDeps, decide
from server.origins import check_origin


class DecideController(Controller):
    path = "/v1/decide"
    tags = ["data plane"]

    @post(status_code=200, summary="Choose a variant for each block", description=(
        "Several blocks in one call. Each decision carries its propensity and an explanation."))
    async def decide(
        self, request: Request, data: JSONBody[DecideRequest], decide_deps: NamedDependency[DecideDeps]
    ) -> DecideResponse:
        site = decide_deps.sites.site(data.site)
        check_origin(request, site)
        return decide(request=data, deps=decide_deps)
