"""The Users page: editors add and remove people who can sign in; everyone changes their own password."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody

from server.admin.accounts.auth import ANY_ROLE
from server.admin.accounts.schemas import NewUserForm, PasswordForm
from server.admin.accounts.service import Accounts
from server.admin.accounts.sessions import COOKIE
from server.admin.accounts.users import ROLES, UnknownUser, UserError
from server.admin.pages import redirect, render
from server.config.schema import Config


def _page(request: Request, accounts: Accounts, config: Config, *, status_code: int = 200, **context) -> object:
    return render("users.html", request, config, status_code=status_code, title="Users", people=accounts.all(),
                  roles=ROLES, **{"error": None, "created": None, "password": None, "notice": None, **context})


class UserPages(Controller):
    path = "/users"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def users(self, request: Request, accounts: NamedDependency[Accounts], config: NamedDependency[Config],
              done: FromQuery[str | None] = None) -> object:
        notices = {"removed": "User removed; their sessions ended.", "password": "Password changed."}
        return _page(request, accounts, config, notice=notices.get(done or ""))

    @post("/", sync_to_thread=True)
    def add(self, request: Request, data: URLEncodedBody[NewUserForm], accounts: NamedDependency[Accounts],
            config: NamedDependency[Config]) -> object:
        try:
            user, password = accounts.add_user(name=data.name[:64], role=data.role, password=None,  # type: ignore
                                               by=request.user)
        except UserError as error:
            return _page(request, accounts, config, status_code=400, error=str(error))
        return _page(request, accounts, config, created=user, password=password)  # shown here once, never in a URL

    @post("/{name:str}/remove", sync_to_thread=True)
    def remove(self, request: Request, name: FromPath[str], accounts: NamedDependency[Accounts],
               config: NamedDependency[Config]) -> object:
        try:
            accounts.remove_user(name=name, by=request.user)
        except (UserError, UnknownUser) as error:
            return _page(request, accounts, config, status_code=400, error=str(error))
        return redirect("/admin/users?done=removed")

    @post("/me/password", opt={ANY_ROLE: True}, sync_to_thread=True)
    def change_password(self, request: Request, data: URLEncodedBody[PasswordForm],
                        accounts: NamedDependency[Accounts], config: NamedDependency[Config]) -> object:
        if data.new != data.again:
            return _page(request, accounts, config, status_code=400, error="new password: the two entries differ")
        try:
            accounts.change_password(user=request.user, current=data.current[:1024], new=data.new[:1024],
                                     session=request.cookies.get(COOKIE))
        except UserError as error:
            return _page(request, accounts, config, status_code=400, error=str(error))
        return redirect("/admin/users?done=password")
