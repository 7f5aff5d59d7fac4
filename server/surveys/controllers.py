"""HTTP for surveys: thin; origin-checked and rate limited per client address like the visitor endpoints."""

from __future__ import annotations

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.exceptions import TooManyRequestsException
from litestar.params import JSONBody

from server.body import BROWSER_TEXT
from server.client_address import client_address
from server.errors import answers
from server.origins import check_origin
from server.surveys.schemas import EligibleRequest, SurveysEligible
from server.surveys.service import SurveysDeps, eligible


class SurveysController(Controller):
    path = "/v1/surveys"
    tags = ["data plane"]

    @post("/eligible", status_code=200, summary="Surveys this visitor may be asked now", description=(
        "The site's enabled surveys whose targeting (`when`, on the context, traits, profile answers and "
        "behavioural counters) holds, whose sampling share drew this visitor, and that the recontact rule and the "
        "interrupt budget allow, with texts in `language` where the site gave them. Without a visitor id (no "
        "consent) the list is empty. The body is JSON, sent as application/json or as text/plain (a CORS-simple "
        "request)."), opt={BROWSER_TEXT: True}, responses=answers(400, 403, 404, 413, 415, 429),
        sync_to_thread=False)
    def eligible(self, request: Request, data: JSONBody[EligibleRequest],
                 surveys_deps: NamedDependency[SurveysDeps]) -> SurveysEligible:
        wait = surveys_deps.rate_limit.retry_after(client_address(request, surveys_deps.trusted_proxies))
        if wait:
            raise TooManyRequestsException(f"too many survey requests from this address: retry in {wait} s",
                                           headers={"retry-after": str(wait)})
        check_origin(request, surveys_deps.sites.site(data.site))
        return eligible(request=data, deps=surveys_deps)
