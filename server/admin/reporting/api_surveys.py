"""The survey reporting part of the JSON admin API: results per survey, satisfaction against speed, feedback themes."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from server.admin.reporting.feedback_view import FeedbackView, Quote
from server.admin.reporting.results_filter import parse_filter
from server.admin.reporting.speed import SpeedView
from server.admin.reporting.survey_results import SurveyResults
from server.admin.reporting.surveys_service import SurveyReports
from server.errors import answers



class SurveyReportsApi(Controller):
    path = "/api/sites/{site:str}"
    tags = ["admin"]

    @get("/surveys/{survey:str}/results", sync_to_thread=True, responses=answers(400, 401, 404),
         summary="A survey's displays, response rate, drop-off, per-question figures with 95% intervals (NPS, CSAT, "
                 "CES, thumbs, choice counts) and the headline figure by device, page group, variant seen and `by` "
                 "(a context field or trait.name). Filters: from/to (YYYY-MM-DD, UTC, inclusive)")
    def results(self, site: FromPath[str], survey: FromPath[str], survey_reports: NamedDependency[SurveyReports],
                first: Annotated[str | None, QueryParameter(name="from", max_length=40)] = None,
                last: Annotated[str | None, QueryParameter(name="to", max_length=40)] = None,
                by: Annotated[str | None, QueryParameter(max_length=64)] = None) -> SurveyResults:
        window = parse_filter(first=first, last=last, segment=None)
        return survey_reports.results(site=site, survey=survey, window=window, segment=by or None)

    @get("/satisfaction", sync_to_thread=True, responses=answers(400, 401, 404),
         summary="Satisfaction answers by LCP, TTFB, decide-time bucket and JS errors, with 95% intervals, "
                 "Bonferroni-adjusted fast-minus-slow differences, Spearman's rho, and the one-sentence summary")
    def satisfaction(self, site: FromPath[str], survey_reports: NamedDependency[SurveyReports],
                     first: Annotated[str | None, QueryParameter(name="from", max_length=40)] = None,
                     last: Annotated[str | None, QueryParameter(name="to", max_length=40)] = None) -> SpeedView:
        return survey_reports.speed(site=site, window=parse_filter(first=first, last=last, segment=None))

    @get("/feedback", sync_to_thread=True, responses=answers(401, 404),
         summary="Themes of open-text answers: count, trend, mean sentiment, quotes, negative-surge alarms")
    def feedback(self, site: FromPath[str], survey_reports: NamedDependency[SurveyReports]) -> FeedbackView:
        return survey_reports.themes(site=site)

    @get("/feedback/themes/{theme:int}", sync_to_thread=True, responses=answers(401, 404),
         summary="A theme's answers, newest first, each with its sentiment (null: not scored)")
    def theme(self, site: FromPath[str], theme: FromPath[int], survey_reports: NamedDependency[SurveyReports]
              ) -> list[Quote]:
        return survey_reports.theme_answers(site=site, theme=theme)
