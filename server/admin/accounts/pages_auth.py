"""Signing in and out of the admin pages."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS

from server.admin.accounts.auth import ANY_ROLE, PUBLIC
from server.admin.accounts.schemas import LoginForm
from server.admin.accounts.service import Accounts, Refused
from server.admin.accounts.sessions import COOKIE, session_cookie
from server.admin.pages import redirect, render
from server.config.schema import Config


def safe_next(target: str | None) -> str:
    """Only a path inside the admin: never another site (open redirect)."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return "/admin"


class AuthPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/login", opt={PUBLIC: True}, sync_to_thread=False)
    def form(self, request: Request, config: NamedDependency[Config], next: FromQuery[str | None] = None) -> object:
        if request.scope.get("user") is not None:
            return redirect(safe_next(next))
        return render("login.html", request, config, title="Sign in", next=safe_next(next), error=None, name="")

    @post("/login", opt={PUBLIC: True}, sync_to_thread=True)
    def login(self, request: Request, data: URLEncodedBody[LoginForm], accounts: NamedDependency[Accounts],
              address: NamedDependency[str], config: NamedDependency[Config]) -> object:
        name = data.name[:64]
        outcome = accounts.sign_in(name=name, password=data.password[:1024], address=address)
        if isinstance(outcome, Refused):
            status = HTTP_429_TOO_MANY_REQUESTS if outcome.retry_after else 401
            page = render("login.html", request, config, status_code=status, title="Sign in",
                          next=safe_next(data.next), error=outcome.error, name=name)
            page.headers.update(outcome.headers)
            return page
        response = redirect(safe_next(data.next))
        response.set_cookie(session_cookie(request, outcome.token))
        return response

    @post("/logout", opt={ANY_ROLE: True}, sync_to_thread=True)
    def logout(self, request: Request, accounts: NamedDependency[Accounts]) -> Response:
        accounts.sign_out(session=request.cookies.get(COOKIE))
        response = redirect("/admin/login")
        response.set_cookie(session_cookie(request, None))
        return response
