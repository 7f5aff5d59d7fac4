"""The admin, assembled: one Router under /admin with its session, CSRF and guard; static files; templates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from litestar import MediaType, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from server.admin.api import AdminApi
from server.admin.filters import register as register_filters
from server.admin.auth import AdminSessionMiddleware, admin_guard, page_refusal
from server.admin.pages_auth import AuthPages
from server.admin.pages_blocks import BlockPages
from server.admin.pages_reports import ReportPages
from server.admin.pages_users import UserPages
from server.admin.service import Admin
from server.admin.users import UnknownUser, UserError
from server.config.loader import ConfigError

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ControllerRouterHandler

    from server.runtime import Runtime

HERE = Path(__file__).parent
STATIC_PATH = "/static/admin"  # public assets (htmx, uPlot, CSS, JS): outside /admin, so the sign-in page can use them
# no inline script or style anywhere in the admin: everything comes from files on this origin
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass(frozen=True, slots=True)
class AdminParts:
    route_handlers: list[ControllerRouterHandler]
    template_config: TemplateConfig
    lifespan: object
    admin: Admin


def _config_error(request, exc: ConfigError | UserError) -> Response:
    return Response({"status_code": 400, "detail": str(exc)}, status_code=400, media_type=MediaType.JSON)


def _unknown_user(request, exc: UnknownUser) -> Response:
    return Response({"status_code": 404, "detail": str(exc)}, status_code=404, media_type=MediaType.JSON)


def admin_parts(runtime: Runtime) -> AdminParts:
    from server.runtime import load_or_create_key

    admin = Admin(runtime)
    csrf = CSRFConfig(secret=load_or_create_key(runtime.settings.data_dir / "admin.key").hex(),
                      cookie_path="/admin", cookie_httponly=True, cookie_samesite="lax")
    router = Router(
        path="/admin",
        route_handlers=[AuthPages, BlockPages, ReportPages, UserPages, AdminApi],
        dependencies={"admin": Provide(lambda: admin, sync_to_thread=False)},
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf),
                    DefineMiddleware(AdminSessionMiddleware, sessions=lambda: admin.sessions)],
        guards=[admin_guard],
        exception_handlers={NotAuthorizedException: page_refusal, ConfigError: _config_error,
                            UserError: _config_error, UnknownUser: _unknown_user},
        response_headers=[ResponseHeader(name="content-security-policy", value=CSP),
                          ResponseHeader(name="x-frame-options", value="DENY"),
                          ResponseHeader(name="referrer-policy", value="same-origin"),
                          ResponseHeader(name="cache-control", value="no-store")],
    )
    static = create_static_files_router(path=STATIC_PATH, directories=[HERE / "static"], include_in_schema=False)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        admin.start()
        yield

    return AdminParts(route_handlers=[router, static], lifespan=lifespan, admin=admin,
                      template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine,
                                                     engine_callback=register_filters))
