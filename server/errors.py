"""One table from domain errors to HTTP answers: every 4xx says what was wrong, by name."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from litestar import MediaType, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    SerializationException,
    ValidationException,
)
from litestar.openapi import ResponseSpec
from msgspec import UNSET, Struct, UnsetType

from server.config.loader import ConfigError
from server.events.service import InvalidEvent
from server.sites import UnknownBlock, UnknownSite
from server.storage.writer import StorageUnavailable

if TYPE_CHECKING:
    from litestar import Request

log = logging.getLogger("attune.errors")
MAX_BODY_BYTES = 64 * 1024


class BadRequest(ValueError):
    """A request a service turns down (a name taken, a wrong current password): 400, the message says why."""


class NotFound(LookupError):
    """What a request names does not exist (a user): 404, the message names it."""


class Problem(Struct):
    """Every error answer's body: the status again, and what was wrong, by name."""

    status_code: int
    detail: str
    extra: list[Any] | UnsetType = UNSET  # validation errors: one {"message", "key", "source"} per problem


WHY = {
    400: "The body or a parameter is refused: not JSON, not UTF-8, nested too deep, a key twice, a field out of "
         "range; `detail` names it",
    401: "Not signed in",
    403: "Not allowed: an origin the site does not list, a viewer changing something, or no CSRF token",
    404: "No such site, block, user or variant; `detail` names it",
    413: f"The body is larger than {MAX_BODY_BYTES // 1024} KiB",
    415: "The body is not sent as application/json (/v1/ also reads text/plain, as browsers send without a "
         "preflight), or its charset is not UTF-8",
    429: "Too many requests; the Retry-After header says in how many seconds to try again",
    503: "The event log could not store this batch; nothing was accepted, retry with the same ids",
}


def answers(*statuses: int) -> dict[int, ResponseSpec]:
    """For a handler's `responses=`: the error answers it gives, so the OpenAPI document lists them."""
    return {status: ResponseSpec(data_container=Problem, description=WHY[status], generate_examples=False)
            for status in statuses}


def _answer(status: int, detail: str, extra: list | None = None, headers: dict[str, str] | None = None) -> Response:
    content = {"status_code": status, "detail": detail}
    if extra:
        content["extra"] = extra
    return Response(content, status_code=status, media_type=MediaType.JSON, headers=headers)


def _validation(request: Request, exc: ValidationException) -> Response:
    problems = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            key = item.get("key") or "body"
            problems.append(f"{'body' if key == 'data' else key}: {item.get('message')}")
    return _answer(400, "; ".join(problems) or str(exc.detail), exc.extra)


def _http(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 413:
        return _answer(413, f"request body is larger than {MAX_BODY_BYTES // 1024} KiB")
    if isinstance(exc, ClientException) and isinstance(exc.__cause__, SerializationException):
        return _answer(400, f"body is not valid JSON: {exc.detail}")
    return _answer(exc.status_code, exc.detail, exc.extra if isinstance(exc.extra, list) else None, exc.headers)


def _storage(request: Request, exc: StorageUnavailable) -> Response:
    return _answer(503, "the event log could not store this batch; nothing was accepted, retry with the same ids")


def _internal(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return _answer(500, "internal error")


EXCEPTION_HANDLERS = {
    ValidationException: _validation,
    HTTPException: _http,
    UnknownSite: lambda request, exc: _answer(404, str(exc.args[0])),
    UnknownBlock: lambda request, exc: _answer(404, str(exc.args[0])),
    InvalidEvent: lambda request, exc: _answer(400, str(exc)),
    ConfigError: lambda request, exc: _answer(400, str(exc)),
    BadRequest: lambda request, exc: _answer(400, str(exc)),
    NotFound: lambda request, exc: _answer(404, str(exc)),
    StorageUnavailable: _storage,
    Exception: _internal,
}
