"""Edits to a site's surveys, built like every other config edit (server/config/edits.py): the next configuration as
plain data, validated exactly as the TOML file is, so an error names the key ("admin: sites[0].surveys[1].share: ...").
"""

from __future__ import annotations

import copy
import tomllib
from typing import TYPE_CHECKING, Any

import msgspec

from server.config.edits import SOURCE, Change
from server.config.loader import ConfigError, parse_config
from server.config.toml import to_raw
from server.sites import UnknownBlock, UnknownSite

if TYPE_CHECKING:
    from collections.abc import Callable

    from server.config.schema import Config


class UnknownSurvey(UnknownBlock):
    """A survey id the site does not have: answered 404, like an unknown block."""


def target(site: str, survey: str) -> str:
    return f"{site}/surveys/{survey}"  # the audit log's target; the audit page filters by its prefix


def raw_survey(survey) -> dict[str, Any]:
    """A survey Struct as the config file's table holds it (no nulls: TOML has none)."""
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value
    return plain(msgspec.to_builtins(survey))


def survey_from_toml(text: str) -> dict[str, Any]:
    """One survey as the config file's [[sites.surveys]] table holds it, written without the table header."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"survey: not valid TOML: {error}") from None
    return raw


def _change(config: Config, site: str, survey: str, edit: Callable[[list[dict]], None], summary: str) -> Change:
    raw = to_raw(config)
    site_raw = next((s for s in raw["sites"] if s["key"] == site), None)
    if site_raw is None:
        raise UnknownSite(f"unknown site {site!r}")
    surveys = site_raw.setdefault("surveys", [])
    before = copy.deepcopy(next((s for s in surveys if s.get("id") == survey), None))
    edit(surveys)
    after = copy.deepcopy(next((s for s in surveys if s.get("id") == survey), None))
    return Change(parse_config(raw, source=SOURCE), target(site, survey), summary, before, after)


def _existing(surveys: list[dict], site: str, survey: str) -> dict:
    found = next((s for s in surveys if s.get("id") == survey), None)
    if found is None:
        raise UnknownSurvey(f"unknown survey {survey!r} for site {site!r}")
    return found


def create_survey(config: Config, *, site: str, raw_survey: dict[str, Any]) -> Change:
    survey = str(raw_survey.get("id", ""))

    def edit(surveys: list[dict]) -> None:
        if any(s.get("id") == survey for s in surveys):
            raise ConfigError(f"{SOURCE}: surveys: a survey with id {survey!r} exists already")
        surveys.append(copy.deepcopy(raw_survey))
    return _change(config, site, survey, edit, f"created survey {survey}")


def replace_survey(config: Config, *, site: str, survey: str, raw_survey: dict[str, Any]) -> Change:
    """The whole survey as the config file would hold it; its id stays the one in the address."""
    def edit(surveys: list[dict]) -> None:
        found = _existing(surveys, site, survey)
        found.clear()
        found.update(copy.deepcopy(raw_survey), id=survey)
    return _change(config, site, survey, edit, f"changed survey {survey}")


def set_survey_enabled(config: Config, *, site: str, survey: str, enabled: bool) -> Change:
    def edit(surveys: list[dict]) -> None:
        _existing(surveys, site, survey)["enabled"] = enabled
    return _change(config, site, survey, edit, f"{'resumed' if enabled else 'paused'} survey {survey}")


def delete_survey(config: Config, *, site: str, survey: str) -> Change:
    def edit(surveys: list[dict]) -> None:
        _existing(surveys, site, survey)
        surveys[:] = [s for s in surveys if s.get("id") != survey]
    return _change(config, site, survey, edit, f"deleted survey {survey}")
