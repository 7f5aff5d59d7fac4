"""Signing in and out of the admin pages."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS

from server.admin.api import refusal_headers, sign_in
from server.admin.auth import ANY_ROLE, PUBLIC
from server.admin.pages_common import Form, redirect, render
from server.admin.service import Admin
from server.admin.sessions import COOKIE, session_cookie


def safe_next(target: str | None) -> str:
    """Only a path inside the admin: never another site (open redirect)."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return "/admin"


class AuthPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/login", opt={PUBLIC: True}, sync_to_thread=False)
    def form(self, request: Request, admin: NamedDependency[Admin], next: FromQuery[str | None] = None) -> object:
        if request.scope.get("user") is not None:
            return redirect(safe_next(next))
        return render("login.html", request, admin, title="Sign in", next=safe_next(next), error=None, name="")

    @post("/login", opt={PUBLIC: True}, sync_to_thread=True)
    def login(self, request: Request, data: Form, admin: NamedDependency[Admin]) -> object:
        name, password = data.get("name", "")[:64], data.get("password", "")[:1024]
        outcome = sign_in(admin, request, name, password)
        if outcome.user is None:
            status = HTTP_429_TOO_MANY_REQUESTS if outcome.retry_after else 401
            page = render("login.html", request, admin, status_code=status, title="Sign in",
                          next=safe_next(data.get("next")), error=outcome.error, name=name)
            page.headers.update(refusal_headers(outcome))
            return page
        response = redirect(safe_next(data.get("next")))
        response.set_cookie(session_cookie(request, outcome.token))
        return response

    @post("/logout", opt={ANY_ROLE: True}, sync_to_thread=True)
    def logout(self, request: Request, admin: NamedDependency[Admin]) -> Response:
        admin.sessions.end(request.cookies.get(COOKIE))
        response = redirect("/admin/login")
        response.set_cookie(session_cookie(request, None))
        return response
