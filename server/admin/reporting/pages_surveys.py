"""Pages to read surveys: results per survey (and as CSV), satisfaction against page speed, feedback themes."""

from __future__ import annotations

import time
from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from server.admin.pages import render
from server.admin.reporting.results_filter import ResultsFilter, parse_filter
from server.admin.reporting.survey_export import answers_csv, survey_csv
from server.admin.reporting.surveys_service import SurveyReports
from server.config.schema import Config
from server.errors import BadRequest

From = Annotated[str | None, QueryParameter(name="from", max_length=40)]
To = Annotated[str | None, QueryParameter(name="to", max_length=40)]
Field = Annotated[str | None, QueryParameter(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")]


def _window(first: str | None, last: str | None) -> tuple[ResultsFilter, str | None]:
    try:
        return parse_filter(first=first, last=last, segment=None), None
    except BadRequest as error:  # the page still shows, unfiltered, and says which filter it refused
        return ResultsFilter(), str(error)


class SurveyReportPages(Controller):
    path = "/sites/{site:str}"
    include_in_schema = False

    @get("/surveys/{survey:str}/results", sync_to_thread=True)
    def results(self, request: Request, site: FromPath[str], survey: FromPath[str],
                survey_reports: NamedDependency[SurveyReports], config: NamedDependency[Config],
                first: From = None,
                last: To = None,
                by: Field = None) -> object:
        window, refused = _window(first, last)
        results = survey_reports.results(site=site, survey=survey, window=window, segment=by or None)
        return render("survey_results.html", request, config, status_code=400 if refused else 200,
                      title=f"Results of survey {survey}", site=survey_reports.site(site),
                      survey=survey_reports.survey(site, survey), r=results, refused=refused,
                      asked={"from": first or "", "to": last or "", "by": by or ""})

    @get("/surveys/{survey:str}/results.csv", sync_to_thread=True)
    def results_csv(self, site: FromPath[str], survey: FromPath[str], survey_reports: NamedDependency[SurveyReports],
                    first: From = None,
                    last: To = None,
                    by: Field = None) -> Response:
        window = parse_filter(first=first, last=last, segment=None)  # a bad filter: 400 naming it
        results = survey_reports.results(site=site, survey=survey, window=window, segment=by or None)
        return Response(survey_csv(results), media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="survey-{site}-{survey}.csv"'})

    @get("/surveys/{survey:str}/answers.csv", sync_to_thread=True)
    def answers_csv(self, site: FromPath[str], survey: FromPath[str], survey_reports: NamedDependency[SurveyReports],
                    first: From = None,
                    last: To = None) -> Response:
        window = parse_filter(first=first, last=last, segment=None)
        rows = survey_reports.answers(site=site, survey=survey, window=window)
        return Response(answers_csv(rows), media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="answers-{site}-{survey}.csv"'})

    @get("/satisfaction", sync_to_thread=True)
    def satisfaction(self, request: Request, site: FromPath[str], survey_reports: NamedDependency[SurveyReports],
                     config: NamedDependency[Config], first: From = None, last: To = None) -> object:
        window, refused = _window(first, last)
        return render("satisfaction.html", request, config, status_code=400 if refused else 200,
                      title="Satisfaction against page speed", site=survey_reports.site(site),
                      view=survey_reports.speed(site=site, window=window), refused=refused,
                      asked={"from": first or "", "to": last or ""})

    @get("/feedback", sync_to_thread=True)
    def feedback(self, request: Request, site: FromPath[str], survey_reports: NamedDependency[SurveyReports],
                 config: NamedDependency[Config]) -> object:
        now = time.time_ns() // 1_000_000
        return render("feedback.html", request, config, title="Feedback", site=survey_reports.site(site),
                      view=survey_reports.themes(site=site, now_ms=now))

    @get("/feedback/themes/{theme:int}", sync_to_thread=True)
    def theme(self, request: Request, site: FromPath[str], theme: FromPath[int],
              survey_reports: NamedDependency[SurveyReports], config: NamedDependency[Config]) -> object:
        view = survey_reports.themes(site=site)
        found = next((t for t in view.themes if t.id == theme), None)
        return render("feedback_theme.html", request, config, status_code=200 if found else 404,
                      title=f"Feedback theme {found.label if found else theme}", site=survey_reports.site(site),
                      theme=found, answers=survey_reports.theme_answers(site=site, theme=theme) if found else [])
