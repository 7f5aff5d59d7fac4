"""Pages for surveys: the list with pause/resume, the editor (the survey as its config table, with a live preview
rendered here as the widget would show the questions), create and delete. Every save goes through Editing, so it is
validated as the config file is, versioned and audited like a block edit."""

from __future__ import annotations

import msgspec
import tomli_w
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody

from server.admin.editing import survey_edits
from server.admin.editing.schemas import ToggleForm
from server.admin.editing.service import Editing
from server.admin.pages import is_htmx, redirect, render
from server.config.loader import ConfigError

NEW_SURVEY = """id = "new-survey"
name = "New survey"
enabled = false  # paused until you resume it from the list
placement = "corner"  # or "inline", into [data-attune-survey="new-survey"]
share = 1.0
recontact = "until_answered"

[trigger]
seconds = 10

[[questions]]
id = "score"
type = "csat"
text = "How satisfied are you with this page?"

[[questions]]
id = "why"
type = "text"
text = "What could we do better?"
optional = true
"""


class SurveyForm(msgspec.Struct):
    toml: str = ""


def survey_toml(survey: msgspec.Struct) -> str:
    return tomli_w.dumps(survey_edits.raw_survey(survey))


def _checked(editing: Editing, site: str, original: str | None, text: str):
    """The survey the text describes, validated inside the whole configuration exactly as saving would."""
    raw = survey_edits.survey_from_toml(text)
    if original:
        change = survey_edits.replace_survey(editing.config, site=site, survey=original, raw_survey=raw)
        survey_id = original
    else:
        change = survey_edits.create_survey(editing.config, site=site, raw_survey=raw)
        survey_id = str(raw.get("id", ""))
    found = next(s for s in change.config.sites if s.key == site)
    return next(s for s in found.surveys if s.id == survey_id)


class SurveyPages(Controller):
    path = "/sites/{site:str}"
    include_in_schema = False

    @get("/surveys", sync_to_thread=False)
    def surveys(self, request: Request, site: FromPath[str], editing: NamedDependency[Editing]) -> object:
        found = editing.site(site)
        return render("surveys.html", request, editing.config, title=f"Surveys of {found.name or found.key}",
                      site=found, surveys=found.surveys, saved=request.query_params.get("saved"))

    @get("/new-survey", sync_to_thread=False)
    def new(self, request: Request, site: FromPath[str], editing: NamedDependency[Editing]) -> object:
        return self._editor(request, editing, site, None, text=NEW_SURVEY)

    @post("/new-survey", sync_to_thread=True)
    def create(self, request: Request, site: FromPath[str], data: URLEncodedBody[SurveyForm],
               editing: NamedDependency[Editing]) -> object:
        try:
            raw = survey_edits.survey_from_toml(data.toml)
            editing.create_survey(user=request.user, site=site, raw_survey=raw)
        except ConfigError as error:  # shown again as typed, to fix rather than retype
            return self._editor(request, editing, site, None, text=data.toml, error=str(error), status_code=400)
        return redirect(f"/admin/sites/{site}/surveys/{raw['id']}?saved=created")

    @get("/surveys/{survey:str}", sync_to_thread=False)
    def edit(self, request: Request, site: FromPath[str], survey: FromPath[str],
             editing: NamedDependency[Editing]) -> object:
        found = editing.survey(site, survey)
        return self._editor(request, editing, site, found, text=survey_toml(found),
                            saved=request.query_params.get("saved"))

    @post("/surveys/{survey:str}", sync_to_thread=True)
    def save(self, request: Request, site: FromPath[str], survey: FromPath[str], data: URLEncodedBody[SurveyForm],
             editing: NamedDependency[Editing]) -> object:
        try:
            editing.replace_survey(user=request.user, site=site, survey=survey,
                                   raw_survey=survey_edits.survey_from_toml(data.toml))
        except ConfigError as error:
            return self._editor(request, editing, site, editing.survey(site, survey), text=data.toml,
                                error=str(error), status_code=400)
        return redirect(f"/admin/sites/{site}/surveys/{survey}?saved=saved")

    @post("/surveys/{survey:str}/enabled", sync_to_thread=True)
    def toggle(self, request: Request, site: FromPath[str], survey: FromPath[str], data: URLEncodedBody[ToggleForm],
               editing: NamedDependency[Editing]) -> object:
        enabled = data.enabled == "on"
        editing.set_survey_enabled(user=request.user, site=site, survey=survey, enabled=enabled)
        if is_htmx(request):
            return render("_survey_toggle.html", request, editing.config, site=editing.site(site),
                          survey=editing.survey(site, survey),
                          announce=f"{survey} is now {'running' if enabled else 'paused'}")
        return redirect(f"/admin/sites/{site}/surveys?saved={'resumed' if enabled else 'paused'}")

    @post("/surveys/{survey:str}/delete", sync_to_thread=True)
    def delete(self, request: Request, site: FromPath[str], survey: FromPath[str],
               editing: NamedDependency[Editing]) -> object:
        editing.delete_survey(user=request.user, site=site, survey=survey)
        return redirect(f"/admin/sites/{site}/surveys?saved=deleted")

    @post("/survey-preview", sync_to_thread=False)
    def preview(self, request: Request, site: FromPath[str], data: URLEncodedBody[dict[str, str]],
                editing: NamedDependency[Editing]) -> object:
        original = data.get("original") or None
        try:
            survey, error = _checked(editing, site, original, data.get("toml", "")), None
        except (ConfigError, LookupError) as refused:
            survey, error = None, str(refused)
        return render("_survey_preview.html", request, editing.config, preview=survey, error=error)

    def _editor(self, request: Request, editing: Editing, site: str, survey, *, text: str, error: str | None = None,
                saved: str | None = None, status_code: int = 200) -> object:
        try:
            preview, preview_error = _checked(editing, site, survey.id if survey else None, text), None
        except (ConfigError, LookupError) as refused:
            preview, preview_error = None, str(refused)
        title = f"Survey {survey.id}" if survey else "New survey"
        return render("survey.html", request, editing.config, status_code=status_code, title=title,
                      site=editing.site(site), survey=survey, text=text, error=error, saved=saved,
                      preview=preview, preview_error=preview_error)
