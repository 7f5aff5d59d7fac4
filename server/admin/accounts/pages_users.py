"""The Users page: editors add and remove people who can sign in; everyone changes their own password."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from server.admin.auth import ANY_ROLE
from server.admin.pages_common import Form, redirect, render
from server.admin.service import Admin
from server.admin.sessions import COOKIE
from server.admin.users import ROLES, UnknownUser, UserError


def _page(request: Request, admin: Admin, *, status_code: int = 200, **context) -> object:
    return render("users.html", request, admin, status_code=status_code, title="Users", people=admin.users.all(),
                  roles=ROLES, **{"error": None, "created": None, "password": None, "notice": None, **context})


class UserPages(Controller):
    path = "/users"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def users(self, request: Request, admin: NamedDependency[Admin], done: FromQuery[str | None] = None) -> object:
        notices = {"removed": "User removed; their sessions ended.", "password": "Password changed."}
        return _page(request, admin, notice=notices.get(done or ""))

    @post("/", sync_to_thread=True)
    def add(self, request: Request, data: Form, admin: NamedDependency[Admin]) -> object:
        role = data.get("role", "viewer")  # checked by UserStore.create, as the API's is
        try:
            user, password = admin.add_user(data.get("name", "")[:64], role, None, by=request.user)  # type: ignore
        except UserError as error:
            return _page(request, admin, status_code=400, error=str(error))
        return _page(request, admin, created=user, password=password)  # shown here once, never in a URL

    @post("/{name:str}/remove", sync_to_thread=True)
    def remove(self, request: Request, name: FromPath[str], admin: NamedDependency[Admin]) -> object:
        try:
            admin.remove_user(name, by=request.user)
        except (UserError, UnknownUser) as error:
            return _page(request, admin, status_code=400, error=str(error))
        return redirect("/admin/users?done=removed")

    @post("/me/password", opt={ANY_ROLE: True}, sync_to_thread=True)
    def change_password(self, request: Request, data: Form, admin: NamedDependency[Admin]) -> object:
        if data.get("new", "") != data.get("again", ""):
            return _page(request, admin, status_code=400, error="new password: the two entries differ")
        try:
            admin.change_password(request.user, data.get("current", "")[:1024], data.get("new", "")[:1024],
                                  session=request.cookies.get(COOKIE))
        except UserError as error:
            return _page(request, admin, status_code=400, error=str(error))
        return redirect("/admin/users?done=password")
