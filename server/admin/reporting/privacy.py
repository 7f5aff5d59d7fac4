"""Privacy, read for the admin: consent rates per day, data-rights requests, retention and its runs, receipts.

Nothing here names a visitor: consent rates are shares of receipts, requests are counts, and a receipt looked
up says only whether it is linked to a visitor, never the hash.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from msgspec import Struct

from server.errors import NotFound
from server.privacy.retention import DAY_MS, KINDS
from server.privacy.site_settings import transparency_url

if TYPE_CHECKING:
    from collections.abc import Callable

    from server.config.schema import Site
    from server.sites import SiteRegistry
    from server.storage.admin_db import AdminDb

DAYS_SHOWN = 30

CONSENT_BY_DAY = """
SELECT site, recorded_at // $day * $day AS day, count(*),
       avg(personalization::INTEGER), avg(feedback::INTEGER), avg(measurement::INTEGER),
       count(*) FILTER (WHERE NOT (personalization OR feedback OR measurement)), count(*) FILTER (WHERE gpc)
FROM consent_receipts WHERE recorded_at >= $since GROUP BY ALL ORDER BY site, day DESC
"""
REQUESTS = """
SELECT site, kind, count(*), count(*) FILTER (WHERE requested_at >= $since), max(requested_at)
FROM privacy_requests GROUP BY ALL
"""
ERASURES = """
SELECT site, count(*), sum(decisions), sum(events), sum(consents), sum(interests), sum(suppressions), max(erased_at)
FROM erasure_receipts GROUP BY ALL
"""
RUNS = """
SELECT site, kind, max(ran_at), arg_max(deleted, ran_at), sum(deleted) FILTER (WHERE ran_at >= $since)
FROM retention_runs GROUP BY ALL
"""
PERIODS = {"behaviour": "behaviour_days", "feedback": "feedback_days", "consent": "consent_days"}
HOLDS = {
    "behaviour": "decisions, impressions, clicks, dismissals, timings, errors",
    "feedback": "ratings, survey answers, chosen interests",
    "consent": "consent and erasure receipts, the export and erasure request log",
}


class ConsentDay(Struct, kw_only=True):
    day: int  # ms since the epoch, the UTC day's start
    receipts: int
    personalization: float  # share of the day's receipts granting it
    feedback: float
    measurement: float
    withdrawals: int  # receipts with every category off
    gpc: int  # receipts sent with the browser's Global Privacy Control signal


class Requests(Struct, kw_only=True):
    exports: int
    exports_recent: int  # within the last DAYS_SHOWN days
    erasures: int  # erasure receipts: each an erasure carried out
    erasures_recent: int
    erased_rows: dict[str, int]  # summed over every erasure receipt kept: decisions, events, consents, ...
    last_request: int | None


class RetentionKind(Struct, kw_only=True):
    kind: str
    holds: str
    days: int
    last_run: int | None
    deleted_last_run: int | None
    deleted_recent: int  # within the last DAYS_SHOWN days


class SitePrivacy(Struct, kw_only=True):
    site: str
    name: str
    consent: str
    banner: bool
    policy_version: str
    sources: list[str]
    transparency_url: str
    retention: list[RetentionKind]
    requests: Requests
    consent_days: list[ConsentDay]  # newest first, only days with receipts


class PrivacyReport(Struct, kw_only=True):
    days_shown: int
    sites: list[SitePrivacy]


class ReceiptView(Struct, kw_only=True):
    receipt: str
    kind: str  # "consent" or "erasure"
    site: str
    at: int
    linked_to_visitor: bool  # a consent receipt given with a visitor id (its hash is kept, never shown here)
    categories: dict[str, bool] | None = None
    source: str | None = None
    policy_version: str | None = None
    gpc: bool | None = None
    erased: dict[str, int] | None = None


class PrivacyReports:
    def __init__(self, *, db: AdminDb, sites: SiteRegistry, now_ms: Callable[[], int] = lambda: time.time_ns() // 10**6
                 ) -> None:
        self.db = db
        self.sites = sites
        self.now_ms = now_ms

    def report(self) -> PrivacyReport:
        since = self.now_ms() // DAY_MS * DAY_MS - (DAYS_SHOWN - 1) * DAY_MS
        with self.db.cursor() as cursor:
            cursor.execute("BEGIN")  # one snapshot for every table
            try:
                days = cursor.execute(CONSENT_BY_DAY, {"day": DAY_MS, "since": since}).fetchall()
                requests = cursor.execute(REQUESTS, {"since": since}).fetchall()
                erasures = cursor.execute(ERASURES).fetchall()
                recent_erasures = dict(cursor.execute("SELECT site, count(*) FROM erasure_receipts "
                                                      "WHERE erased_at >= ? GROUP BY ALL", [since]).fetchall())
                runs = cursor.execute(RUNS, {"since": since}).fetchall()
            finally:
                cursor.execute("COMMIT")
        return PrivacyReport(days_shown=DAYS_SHOWN, sites=[
            _site(site, days=[d for d in days if d[0] == site.key], requests=[r for r in requests if r[0] == site.key],
                  erasures=next((e for e in erasures if e[0] == site.key), None),
                  recent_erasures=recent_erasures.get(site.key, 0), runs=[r for r in runs if r[0] == site.key])
            for site in self.sites.config.sites])

    def receipt(self, receipt: str) -> ReceiptView:
        """A consent or erasure receipt by its id; NotFound (404) naming it when there is none."""
        consent = self.db.one("SELECT site, recorded_at, visitor IS NOT NULL, personalization, feedback, measurement, "
                              "source, policy_version, gpc FROM consent_receipts WHERE receipt = ?", [receipt])
        if consent:
            site, at, linked, personalization, feedback, measurement, source, version, gpc = consent
            return ReceiptView(receipt=receipt, kind="consent", site=site, at=at, linked_to_visitor=linked,
                               categories={"personalization": personalization, "feedback": feedback,
                                           "measurement": measurement},
                               source=source, policy_version=version, gpc=gpc)
        erasure = self.db.one("SELECT site, erased_at, decisions, events, consents, interests, suppressions "
                              "FROM erasure_receipts WHERE receipt = ?", [receipt])
        if erasure:
            return ReceiptView(receipt=receipt, kind="erasure", site=erasure[0], at=erasure[1], linked_to_visitor=False,
                               erased=dict(zip(ERASED, erasure[2:])))
        raise NotFound(f"no consent or erasure receipt {receipt!r} (it may be older than its site's consent_days)")


ERASED = ("decisions", "events", "consents", "interests", "suppressions")


def _site(site: Site, *, days: list[tuple], requests: list[tuple], erasures: tuple | None, recent_erasures: int,
          runs: list[tuple]) -> SitePrivacy:
    privacy = site.privacy
    by_kind = {kind: (n, recent, last) for _, kind, n, recent, last in requests}
    exports = by_kind.get("export", (0, 0, None))
    last_runs = {kind: (at, deleted, recent) for _, kind, at, deleted, recent in runs}
    return SitePrivacy(
        site=site.key, name=site.name or site.key, consent=site.consent, banner=privacy.banner,
        policy_version=privacy.policy_version, sources=list(privacy.sources),
        transparency_url=transparency_url(site.key),
        retention=[RetentionKind(kind=kind, holds=HOLDS[kind], days=getattr(privacy.retention, PERIODS[kind]),
                                 last_run=last_runs.get(kind, (None,))[0],
                                 deleted_last_run=last_runs.get(kind, (None, None))[1],
                                 deleted_recent=int(last_runs.get(kind, (None, None, 0))[2] or 0))
                   for kind in KINDS],
        requests=Requests(exports=exports[0], exports_recent=exports[1],
                          erasures=erasures[1] if erasures else 0, erasures_recent=recent_erasures,
                          erased_rows=dict(zip(ERASED, (int(n) for n in erasures[2:7]))) if erasures else {},
                          last_request=max((last for _, _, last in by_kind.values()), default=None)),
        consent_days=[ConsentDay(day=day, receipts=n, personalization=p, feedback=f, measurement=m, withdrawals=w,
                                 gpc=g) for _, day, n, p, f, m, w, g in days],
    )
