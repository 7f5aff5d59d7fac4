"""What the page controllers share: rendering with the signed-in user and the sites menu, forms, redirects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import MediaType, Response
from litestar.params import URLEncodedBody
from litestar.response import Template
from litestar.status_codes import HTTP_303_SEE_OTHER

if TYPE_CHECKING:
    from litestar import Request

    from server.config.schema import Config

Form = URLEncodedBody[dict[str, str]]  # for forms whose field names vary (a variant's content.* fields)


def render(template: str, request: Request, config: Config, /, *, status_code: int = 200,
           **context: Any) -> Template:
    return Template(template_name=template, status_code=status_code, media_type=MediaType.HTML, context={
        "user": request.scope.get("user"), "sites": config.sites, "path": request.url.path, **context})


def redirect(to: str) -> Response:
    return Response(None, status_code=HTTP_303_SEE_OTHER, headers={"location": to})


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
