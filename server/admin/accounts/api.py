"""The accounts part of the JSON admin API under /admin/api/: signing in and out, users, your password."""

from __future__ import annotations

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS

from server.admin.accounts.auth import ANY_ROLE, PUBLIC
from server.admin.accounts.schemas import CreatedUser, Login, Me, NewUser, PasswordChange, UserView
from server.admin.accounts.service import Accounts, Refused
from server.admin.accounts.sessions import COOKIE, session_cookie
from server.errors import answers


def me(user) -> Me:
    return Me(name=user.name, role=user.role, can_edit=user.can_edit)


def user_views(accounts: Accounts) -> list[UserView]:
    return [UserView(name=u.name, role=u.role) for u in accounts.all()]


class AccountsApi(Controller):
    path = "/api"
    tags = ["admin"]

    @post("/login", opt={PUBLIC: True}, status_code=200, summary="Sign in; sets the session cookie",
          responses=answers(400, 401, 403, 413, 415, 429))
    async def login(self, request: Request, data: JSONBody[Login], accounts: NamedDependency[Accounts],
                    address: NamedDependency[str]) -> Response[Me]:
        outcome = accounts.sign_in(name=data.name, password=data.password, address=address)
        if isinstance(outcome, Refused):
            status = HTTP_429_TOO_MANY_REQUESTS if outcome.retry_after else 401
            return Response({"status_code": status, "detail": outcome.error},  # type: ignore[arg-type]
                            status_code=status, headers=outcome.headers)
        return Response(me(outcome.user), cookies=[session_cookie(request, outcome.token)])

    @post("/logout", opt={ANY_ROLE: True}, status_code=200, summary="Sign out; ends the session",
          responses=answers(401, 403))
    async def logout(self, request: Request, accounts: NamedDependency[Accounts]) -> Response[None]:
        accounts.sign_out(session=request.cookies.get(COOKIE))
        return Response(None, cookies=[session_cookie(request, None)])

    @get("/me", summary="Who is signed in", sync_to_thread=False, responses=answers(401))
    def whoami(self, request: Request) -> Me:
        return me(request.user)

    @put("/me/password", opt={ANY_ROLE: True}, status_code=200, sync_to_thread=True,
         responses=answers(400, 401, 403, 413, 415),
         summary="Change your own password; your other sessions end")
    def change_password(self, request: Request, data: JSONBody[PasswordChange],
                        accounts: NamedDependency[Accounts]) -> Me:
        accounts.change_password(user=request.user, current=data.current, new=data.new,
                                 session=request.cookies.get(COOKIE))
        return me(request.user)

    @get("/users", summary="Who can sign in, and their roles", sync_to_thread=True, responses=answers(401))
    def users(self, accounts: NamedDependency[Accounts]) -> list[UserView]:
        return user_views(accounts)

    @post("/users", status_code=201, sync_to_thread=True, responses=answers(400, 401, 403, 413, 415),
          summary="Add a user; without a password one is made and returned this once")
    def add_user(self, request: Request, data: JSONBody[NewUser], accounts: NamedDependency[Accounts]) -> CreatedUser:
        user, password = accounts.add_user(name=data.name, role=data.role, password=data.password, by=request.user)
        return CreatedUser(name=user.name, role=user.role, password=password)

    @delete("/users/{name:str}", status_code=200, sync_to_thread=True, responses=answers(400, 401, 403, 404),
            summary="Remove a user and end their sessions (not yourself)")
    def remove_user(self, request: Request, name: FromPath[str], accounts: NamedDependency[Accounts]
                    ) -> list[UserView]:
        accounts.remove_user(name=name, by=request.user)
        return user_views(accounts)
