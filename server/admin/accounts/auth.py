"""Who is asking: the session cookie read into `request.user`, and one guard for every admin route."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from litestar import MediaType, Response
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.status_codes import HTTP_303_SEE_OTHER

from server.admin.accounts.sessions import COOKIE, SessionStore

if TYPE_CHECKING:
    from litestar import Request
    from litestar.connection import ASGIConnection
    from litestar.handlers import BaseRouteHandler
    from litestar.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = "admin_public"  # handler opt: reachable without signing in (the sign-in form only)
ANY_ROLE = "admin_any_role"  # handler opt: an unsafe request a viewer may make too (signing out)


class AdminSessionMiddleware:
    """Sets scope["user"] to the signed-in AdminUser, or None; the guard decides what that allows."""

    def __init__(self, app: ASGIApp, sessions: Callable[[], SessionStore]) -> None:
        self.app = app
        self.sessions = sessions()  # a callable: Litestar deep-copies a Router's middleware arguments

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["user"] = self.sessions.user_for(_cookie(scope, COOKIE))
        await self.app(scope, receive, send)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


def admin_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Signed in for everything but the sign-in form; an editor for anything that changes state."""
    if handler.opt.get(PUBLIC):
        return
    user = connection.scope.get("user")
    if user is None:
        raise NotAuthorizedException("sign in at /admin/login first")
    if connection.scope["method"] not in SAFE_METHODS and not handler.opt.get(ANY_ROLE) and not user.can_edit:
        raise PermissionDeniedException(f"{user.name} is a viewer: only an editor can change this")


def page_refusal(request: Request, exc: NotAuthorizedException) -> Response:
    """Pages send a browser to the sign-in form (htmx follows HX-Redirect); the API answers 401."""
    if request.url.path.startswith("/admin/api/"):
        return Response({"status_code": 401, "detail": exc.detail}, status_code=401, media_type=MediaType.JSON)
    target = "/admin/login?next=" + quote(request.url.path, safe="/")
    if request.headers.get("hx-request"):
        return Response(None, status_code=401, headers={"hx-redirect": target})
    return Response(None, status_code=HTTP_303_SEE_OTHER, headers={"location": target})
