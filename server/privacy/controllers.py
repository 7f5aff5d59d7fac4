"""HTTP for visitors' data rights: thin; every call is origin-checked and rate limited per client address."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath, JSONBody

from server.body import BROWSER_TEXT
from server.client_address import client_address
from server.config.schema import Site
from server.errors import answers
from server.origins import check_origin
from server.privacy import service
from server.privacy.schemas import (
    ConsentReceipt, ConsentRequest, Erased, Export, InterestsRequest, InterestsSaved, PrivacySettings, Profile,
    RatingUndone, UndoRatingRequest, VisitorRequest,
)
from server.privacy.service import PrivacyDeps
from server.privacy.site_settings import privacy_settings

POSTED = answers(400, 403, 404, 413, 415, 429)
BODY = ("The body is JSON, sent as application/json or as text/plain (a CORS-simple request). The visitor id is the "
        "credential: an id never seen gets the same answer as a known one, with nothing in it.")


def admit(request: Request, deps: PrivacyDeps, site_key: str) -> Site:
    """The site, once the caller's address is within its rate and its origin is one the site allows."""
    wait = deps.rate_limit.retry_after(client_address(request, deps.trusted_proxies))
    if wait:
        raise TooManyRequestsException(f"too many privacy requests from this address: retry in {wait} s",
                                       headers={"retry-after": str(wait)})
    site = deps.sites.site(site_key)
    check_origin(request, site)
    return site


class ConsentController(Controller):
    path = "/v1/consent"
    tags = ["visitor data rights"]

    @post(status_code=202, summary="Record a consent choice", description=(
        "Appends a receipt: the categories chosen, where the choice was made, the policy version shown, and whether "
        "the browser sent Global Privacy Control (`Sec-GPC: 1`). A withdrawal is a receipt with every category "
        "off. The visitor id may be null (a choice made before an id exists). " + BODY),
        opt={BROWSER_TEXT: True}, responses=POSTED)
    async def consent(self, request: Request, data: JSONBody[ConsentRequest],
                      privacy_deps: NamedDependency[PrivacyDeps]) -> ConsentReceipt:
        admit(request, privacy_deps, data.site)
        return await service.record_consent(request=data, gpc=request.headers.get("sec-gpc") == "1",
                                            deps=privacy_deps)


class VisitorController(Controller):
    path = "/v1/visitor"
    tags = ["visitor data rights"]

    @post("/profile", status_code=200, summary="What the preference center shows", description=(
        "The visitor's interests, the traits known about them, their ratings with what each changed, and their "
        "consent receipts. " + BODY), opt={BROWSER_TEXT: True}, responses=POSTED, sync_to_thread=True)
    def profile(self, request: Request, data: JSONBody[VisitorRequest],
                privacy_deps: NamedDependency[PrivacyDeps]) -> Profile:
        admit(request, privacy_deps, data.site)
        return service.profile(request=data, deps=privacy_deps)

    @post("/interests", status_code=200, summary="Choose interests", description=(
        "Replaces the visitor's interests with these (ids from the site's `privacy.interests`; an unknown id is a "
        "400 naming it). Chosen interests reach decide as traits `interest_<id>: true`. " + BODY),
        opt={BROWSER_TEXT: True}, responses=POSTED)
    async def interests(self, request: Request, data: JSONBody[InterestsRequest],
                        privacy_deps: NamedDependency[PrivacyDeps]) -> InterestsSaved:
        admit(request, privacy_deps, data.site)
        return await service.save_interests(request=data, deps=privacy_deps)

    @post("/ratings/undo", status_code=200, summary="Withdraw a rating", description=(
        "Deletes the visitor's rating of one decision; a variant it hid is shown again, unless another of the "
        "visitor's ratings still rates it down. `undone` is 0 for a decision that is unknown or not theirs. " + BODY),
        opt={BROWSER_TEXT: True}, responses=POSTED)
    async def undo_rating(self, request: Request, data: JSONBody[UndoRatingRequest],
                          privacy_deps: NamedDependency[PrivacyDeps]) -> RatingUndone:
        admit(request, privacy_deps, data.site)
        return await service.undo_rating(request=data, deps=privacy_deps)

    @post("/export", status_code=200, summary="Download everything linked to the visitor", description=(
        "Every decision and event linked to the visitor's keyed hash, as stored, with their ratings, hidden "
        "variants, interests, traits and consent receipts. " + BODY), opt={BROWSER_TEXT: True}, responses=POSTED)
    async def export(self, request: Request, data: JSONBody[VisitorRequest],
                     privacy_deps: NamedDependency[PrivacyDeps]) -> Export:
        admit(request, privacy_deps, data.site)
        return await service.export(request=data, deps=privacy_deps)

    @post("/erase", status_code=200, summary="Erase everything linked to the visitor", description=(
        "Deletes the visitor's decisions, events, consent receipts and interests, and forgets what they rated "
        "down; the next decide treats them as new. The erasure receipt is kept without the visitor's hash. " + BODY),
        opt={BROWSER_TEXT: True}, responses=POSTED)
    async def erase(self, request: Request, data: JSONBody[VisitorRequest],
                    privacy_deps: NamedDependency[PrivacyDeps]) -> Erased:
        admit(request, privacy_deps, data.site)
        return await service.erase(request=data, deps=privacy_deps)


@get("/v1/sites/{site:str}/privacy", summary="A site's privacy settings", tags=["visitor data rights"],
     description=("What the widget's consent banner and preference center need: the consent mode, whether to show "
                  "the banner, where consent is read from, category names and texts per language, the interests "
                  "offered and the transparency page."), responses=answers(403, 404), sync_to_thread=False)
def site_privacy(request: Request, site: FromPath[str],
                 privacy_deps: NamedDependency[PrivacyDeps]) -> PrivacySettings:
    found = privacy_deps.sites.site(site)
    check_origin(request, found)
    return privacy_settings(found)
