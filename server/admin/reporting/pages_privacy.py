"""The Privacy page: consent rates, data-rights requests, retention and a receipt lookup, for every site."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from server.admin.pages import render
from server.admin.reporting.privacy import PrivacyReports
from server.config.schema import Config
from server.errors import NotFound


class PrivacyPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/privacy", sync_to_thread=True)
    def privacy(self, request: Request, privacy_reports: NamedDependency[PrivacyReports],
                config: NamedDependency[Config],
                receipt: Annotated[str | None, QueryParameter(max_length=100)] = None) -> object:
        found, missing = None, None
        if receipt and receipt.strip():
            try:
                found = privacy_reports.receipt(receipt.strip())
            except NotFound as error:
                missing = str(error)
        return render("privacy.html", request, config, title="Privacy", report=privacy_reports.report(),
                      receipt=receipt or "", found=found, missing=missing)
