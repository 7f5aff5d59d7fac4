"""The privacy part of the JSON admin API under /admin/api/: the Privacy page's report, and receipts by id."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from server.admin.reporting.privacy import PrivacyReport, PrivacyReports, ReceiptView
from server.errors import answers


class PrivacyApi(Controller):
    path = "/api/privacy"
    tags = ["admin"]

    @get("/", sync_to_thread=True, responses=answers(401),
         summary="Per site: consent rates per day, export and erasure counts, retention periods and runs")
    def report(self, privacy_reports: NamedDependency[PrivacyReports]) -> PrivacyReport:
        return privacy_reports.report()

    @get("/receipts", sync_to_thread=True, responses=answers(400, 401, 404),
         summary="A consent or erasure receipt by its id (never the visitor it belongs to)")
    def receipt(self, privacy_reports: NamedDependency[PrivacyReports],
                receipt: Annotated[str, QueryParameter(min_length=1, max_length=100)]) -> ReceiptView:
        return privacy_reports.receipt(receipt)
