"""Reporting: results per block, the overview of a site, recent decisions and the audit log, read for the pages
and the API alike."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import msgspec

from server.admin.reporting.audit import AuditEntry, recent
from server.admin.reporting.decisions import LIMIT, DecisionView, search
from server.admin.reporting.off_policy import off_policy
from server.admin.reporting.overview import BlockOverview, site_overview
from server.admin.reporting.results import BlockResults, block_results
from server.admin.reporting.results_filter import ResultsFilter

if TYPE_CHECKING:
    from server.config.schema import Block, Site
    from server.evaluate.background import BackgroundEvaluator
    from server.sites import SiteRegistry
    from server.storage.admin_db import AdminDb


class Reporting:
    def __init__(self, *, db: AdminDb, sites: SiteRegistry, evaluations: BackgroundEvaluator | None = None) -> None:
        self.db = db
        self.sites = sites
        self.evaluations = evaluations

    def site(self, key: str) -> Site:
        return self.sites.site(key)

    def block(self, site: str, block: str) -> Block:
        return self.sites.block(site, block)

    def results(self, *, site: str, block: str, window: ResultsFilter | None = None) -> BlockResults:
        found, chosen = self.site(site), self.block(site, block)
        with self.db.cursor() as cursor:
            results = block_results(cursor, site=found, block=chosen, window=window)
        if self.evaluations is None:
            return results
        estimates = off_policy(chosen.id, self.evaluations.latest(found.key), self.evaluations.failed(found.key))
        return msgspec.structs.replace(results, off_policy=estimates)

    def overview(self, *, site: str, today: dt.date | None = None) -> list[BlockOverview]:
        """Every block's lift and its last 7 days against the 7 before; `today` is the server's UTC date."""
        found = self.site(site)
        with self.db.cursor() as cursor:
            return site_overview(cursor, site=found, today=today or dt.datetime.now(dt.UTC).date())

    def decisions(self, *, site: str, block: str | None = None, variant: str | None = None,
                  reason: str | None = None, text: str | None = None, limit: int = LIMIT) -> list[DecisionView]:
        """Newest first; an unknown site raises UnknownSite (a 404), never an empty list."""
        self.site(site)
        with self.db.cursor() as cursor:
            return search(cursor, site=site, block=block, variant=variant, reason=reason, text=text, limit=limit)

    def audit(self, *, target: str | None = None, limit: int = 100) -> list[AuditEntry]:
        return recent(self.db, limit=limit, target=target)
