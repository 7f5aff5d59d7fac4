"""The surveys part of the JSON admin API under /admin/api/: list, read, create, replace, pause/resume, delete.

The same audited path as the pages (Editing): validated as the config file is, a new version, an audit entry."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.admin.editing.schemas import Applied
from server.admin.editing.service import Editing
from server.admin.editing.survey_edits import raw_survey
from server.config.surveys_schema import Survey
from server.errors import answers


class SurveyPatch(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool  # false: paused, shown to nobody


class SurveysApi(Controller):
    path = "/api/sites/{site:str}/surveys"
    tags = ["admin"]

    @get("/", summary="A site's surveys as the config file holds them", sync_to_thread=False,
         responses=answers(401, 404))
    def surveys(self, site: FromPath[str], editing: NamedDependency[Editing]) -> list[Survey]:
        return list(editing.site(site).surveys)

    @get("/{survey:str}", summary="One survey", sync_to_thread=False, responses=answers(401, 404))
    def survey(self, site: FromPath[str], survey: FromPath[str], editing: NamedDependency[Editing]) -> Survey:
        return editing.survey(site, survey)

    @post("/", status_code=201, summary="Create a survey (live at once unless `enabled = false`)",
          sync_to_thread=True, responses=answers(400, 401, 403, 404, 413, 415))
    def create(self, request: Request, site: FromPath[str], data: JSONBody[Survey],
               editing: NamedDependency[Editing]) -> Applied:
        return editing.create_survey(user=request.user, site=site, raw_survey=raw_survey(data))

    @put("/{survey:str}", summary="Replace a survey (its id stays the one in the address)", sync_to_thread=True,
         responses=answers(400, 401, 403, 404, 413, 415))
    def replace(self, request: Request, site: FromPath[str], survey: FromPath[str], data: JSONBody[Survey],
                editing: NamedDependency[Editing]) -> Applied:
        return editing.replace_survey(user=request.user, site=site, survey=survey, raw_survey=raw_survey(data))

    @patch("/{survey:str}", summary="Pause (enabled: false) or resume (enabled: true) a survey", sync_to_thread=True,
           responses=answers(400, 401, 403, 404, 413, 415))
    def pause(self, request: Request, site: FromPath[str], survey: FromPath[str], data: JSONBody[SurveyPatch],
              editing: NamedDependency[Editing]) -> Applied:
        return editing.set_survey_enabled(user=request.user, site=site, survey=survey, enabled=data.enabled)

    @delete("/{survey:str}", status_code=200, summary="Delete a survey (its answers stay in the log)",
            sync_to_thread=True, responses=answers(401, 403, 404))
    def remove(self, request: Request, site: FromPath[str], survey: FromPath[str],
               editing: NamedDependency[Editing]) -> Applied:
        return editing.delete_survey(user=request.user, site=site, survey=survey)
