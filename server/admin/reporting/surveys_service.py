"""Survey reporting: results per survey, satisfaction against page speed, and the Feedback page's themes, read for
the pages and the API alike."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from server.admin.editing.survey_edits import UnknownSurvey
from server.admin.reporting.feedback_view import FeedbackView, Quote, feedback_view, theme_answers
from server.admin.reporting.results_filter import ResultsFilter
from server.admin.reporting.speed import SpeedView, speed_view
from server.admin.reporting.speed_query import satisfaction_answers
from server.admin.reporting.survey_query import Answer, answers, displays
from server.admin.reporting.survey_results import SurveyResults, survey_results

if TYPE_CHECKING:
    from server.feedback.intelligence_thread import FeedbackThread
    from server.config.schema import Site
    from server.config.surveys_schema import Survey
    from server.sites import SiteRegistry
    from server.storage.admin_db import AdminDb


class SurveyReports:
    def __init__(self, *, db: AdminDb, sites: SiteRegistry, feedback: FeedbackThread) -> None:
        self.db = db
        self.sites = sites
        self.feedback = feedback  # learns in the background; pages read what it has learned so far

    def site(self, key: str) -> Site:
        return self.sites.site(key)

    def survey(self, site: str, survey: str) -> Survey:
        found = next((s for s in self.site(site).surveys if s.id == survey), None)
        if found is None:
            raise UnknownSurvey(f"unknown survey {survey!r} for site {site!r}")
        return found

    def results(self, *, site: str, survey: str, window: ResultsFilter | None = None,
                segment: str | None = None) -> SurveyResults:
        found, chosen, window = self.site(site), self.survey(site, survey), window or ResultsFilter()
        with self.db.cursor() as cursor:
            rows = answers(cursor, site=site, survey=survey, start=window.start_ms, end=window.end_ms)
            shown = displays(cursor, site=site, survey=survey, start=window.start_ms, end=window.end_ms)
        return survey_results(found, chosen, rows, shown, segment=segment)

    def answers(self, *, site: str, survey: str, window: ResultsFilter | None = None) -> list[Answer]:
        self.survey(site, survey)
        window = window or ResultsFilter()
        with self.db.cursor() as cursor:
            return answers(cursor, site=site, survey=survey, start=window.start_ms, end=window.end_ms)

    def speed(self, *, site: str, window: ResultsFilter | None = None) -> SpeedView:
        found, window = self.site(site), window or ResultsFilter()
        with self.db.cursor() as cursor:
            rows = satisfaction_answers(cursor, site=found, start=window.start_ms, end=window.end_ms)
        return speed_view(rows)

    def themes(self, *, site: str, now_ms: int | None = None) -> FeedbackView:
        self.site(site)
        self.feedback.wake()  # what arrived since the last pass shows on the next load
        intelligence = self.feedback.intelligence
        with intelligence.reading(site) as learned:
            return feedback_view(self.db, site, learned, now_ms=now_ms or time.time_ns() // 1_000_000,
                                 intelligence=intelligence)

    def theme_answers(self, *, site: str, theme: int) -> list[Quote]:
        self.site(site)
        with self.feedback.intelligence.reading(site) as learned:
            return theme_answers(self.db, site, learned, theme)
