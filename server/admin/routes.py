"""The admin, assembled: one Router under /admin with its session, CSRF and guard; static files; templates.

Each capability has one service, handed by name (Provide) to the pages and API controllers that use it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from litestar import Request, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from server.admin.accounts.api import AccountsApi
from server.admin.accounts.auth import AdminSessionMiddleware, admin_guard, page_refusal
from server.admin.accounts.pages_auth import AuthPages
from server.admin.accounts.pages_users import UserPages
from server.admin.accounts.service import Accounts
from server.admin.editing.api import EditingApi
from server.admin.editing.pages_blocks import BlockPages
from server.admin.editing.pages_config import ConfigPages
from server.admin.editing.pages_surveys import SurveyPages
from server.admin.editing.service import Editing
from server.admin.editing.surveys_api import SurveysApi
from server.admin.filters import register as register_filters
from server.admin.reporting.api import ReportingApi
from server.admin.reporting.api_privacy import PrivacyApi
from server.admin.reporting.api_surveys import SurveyReportsApi
from server.admin.reporting.pages_privacy import PrivacyPages
from server.admin.reporting.pages_reports import ReportPages
from server.admin.reporting.pages_surveys import SurveyReportPages
from server.admin.reporting.privacy import PrivacyReports
from server.admin.reporting.service import Reporting
from server.admin.reporting.surveys_service import SurveyReports
from server.client_address import client_address
from server.storage.keys import load_or_create_key

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
    accounts: Accounts
    editing: Editing
    reporting: Reporting


def admin_parts(runtime: Runtime) -> AdminParts:
    accounts = Accounts(db=runtime.admin_db)
    editing = Editing(store=runtime.config_store)
    reporting = Reporting(db=runtime.admin_db, sites=runtime.sites, evaluations=runtime.off_policy)
    privacy_reports = PrivacyReports(db=runtime.admin_db, sites=runtime.sites)
    survey_reports = SurveyReports(db=runtime.admin_db, sites=runtime.sites, feedback=runtime.feedback)
    proxies = runtime.settings.trusted_proxies

    def address(request: Request) -> str:
        """The client's address (behind a configured proxy: the address it forwards), for sign-in limits."""
        return client_address(request.scope, proxies)

    csrf = CSRFConfig(secret=load_or_create_key(runtime.settings.data_dir / "admin.key").hex(),
                      cookie_path="/admin", cookie_httponly=True, cookie_samesite="lax")
    router = Router(
        path="/admin",
        route_handlers=[AuthPages, BlockPages, ConfigPages, ReportPages, PrivacyPages, UserPages,
                        AccountsApi, EditingApi, ReportingApi, PrivacyApi, SurveyPages, SurveysApi,
                        SurveyReportPages, SurveyReportsApi],
        dependencies={
            "accounts": Provide(lambda: accounts, sync_to_thread=False),
            "editing": Provide(lambda: editing, sync_to_thread=False),
            "reporting": Provide(lambda: reporting, sync_to_thread=False),
            "privacy_reports": Provide(lambda: privacy_reports, sync_to_thread=False),
            "survey_reports": Provide(lambda: survey_reports, sync_to_thread=False),
            "config": Provide(lambda: runtime.sites.config, sync_to_thread=False),  # the live one, for the menu
            "address": Provide(address, sync_to_thread=False),
        },
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf),
                    DefineMiddleware(AdminSessionMiddleware, sessions=lambda: accounts.sessions)],
        guards=[admin_guard],
        exception_handlers={NotAuthorizedException: page_refusal},
        response_headers=[ResponseHeader(name="content-security-policy", value=CSP),
                          ResponseHeader(name="x-frame-options", value="DENY"),
                          ResponseHeader(name="referrer-policy", value="same-origin"),
                          ResponseHeader(name="cache-control", value="no-store")],
    )
    static = create_static_files_router(path=STATIC_PATH, directories=[HERE / "static"], include_in_schema=False)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        accounts.start()  # opens nothing: the data directory is the runtime's, closed by its lifespan
        yield

    return AdminParts(route_handlers=[router, static], lifespan=lifespan, accounts=accounts, editing=editing,
                      reporting=reporting, template_config=TemplateConfig(
                          directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=register_filters))
