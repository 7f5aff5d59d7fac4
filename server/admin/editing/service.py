"""Editing: every change to the live configuration an admin makes, from a page or the API.

Each operation builds the change (server/config/edits.py validates it as the file would be),
sanitises variant HTML on the way in, then applies it as the next version with its audit entry.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server.admin.editing.sanitise import clean
from server.admin.editing import survey_edits
from server.admin.editing.schemas import Applied, ConfigPreview, ConfigText, Preview
from server.bundle.files import load_bundle
from server.config import edits
from server.config.loader import ConfigError
from server.config.toml import diff, parse_toml, to_toml

if TYPE_CHECKING:
    from server.admin.accounts.users import AdminUser
    from server.config.schema import Block, Config, Site
    from server.config.store import ConfigStore


@dataclass(frozen=True, slots=True)
class Snippet:
    site: str
    html: str
    src: str
    integrity: str


def clean_content(content: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """A variant's fields with empty ones left out and its `html` sanitised; and what sanitising removed."""
    content = {k: v for k, v in content.items() if v != ""}
    if "html" not in content:
        return content, []
    content["html"], stripped = clean(content["html"])
    return content, stripped


class Editing:
    def __init__(self, *, store: ConfigStore) -> None:
        self.store = store

    @property
    def config(self) -> Config:
        return self.store.config

    def site(self, key: str) -> Site:
        return self.store.sites.site(key)

    def block(self, site: str, block: str) -> Block:
        return self.store.sites.block(site, block)

    def version(self) -> int | None:
        latest = self.store.latest()
        return latest.version if latest else None

    def snippet(self, site: str, base_url: str) -> Snippet | None:
        bundle = load_bundle()
        if bundle is None:
            return None
        src = base_url.rstrip("/") + bundle.versioned_path
        html = (f'<script src="{src}"\n        integrity="{bundle.integrity}"\n        crossorigin="anonymous" '
                f'data-site="{site}" async></script>')
        return Snippet(site=site, html=html, src=src, integrity=bundle.integrity)

    def update_site(self, *, user: AdminUser, site: str, settings: dict[str, Any]) -> Applied:
        return self._apply(edits.update_site(self.config, site=site, settings=settings), user, "update-site")

    def set_enabled(self, *, user: AdminUser, site: str, block: str, enabled: bool) -> Applied:
        change = edits.set_enabled(self.config, site=site, block=block, enabled=enabled)
        return self._apply(change, user, "toggle-block")

    def update_block(self, *, user: AdminUser, site: str, block: str, settings: dict[str, Any]) -> Applied:
        change = edits.update_block(self.config, site=site, block=block, settings=settings)
        return self._apply(change, user, "update-block")

    def replace_block(self, *, user: AdminUser, site: str, block: str, raw_block: dict[str, Any]) -> Applied:
        raw_block, stripped = copy.deepcopy(raw_block), []
        for variant in raw_block.get("variants", []):
            if "html" in variant.get("content", {}):
                variant["content"]["html"], gone = clean(variant["content"]["html"])
                stripped += [f"{variant['id']}: {item}" for item in gone]
        change = edits.replace_block(self.config, site=site, block=block, raw_block=raw_block)
        return self._apply(change, user, "replace-block", stripped)

    def save_variant(self, *, user: AdminUser, site: str, block: str, variant: str, content: dict[str, str],
                     new_id: str | None = None) -> Applied:
        """Create or replace a variant (renamed to `new_id` if given); `stripped` says what sanitising removed."""
        content, stripped = clean_content(content)
        change = edits.save_variant(self.config, site=site, block=block, variant=variant, content=content,
                                    new_id=new_id)
        return self._apply(change, user, "save-variant", stripped)

    def delete_variant(self, *, user: AdminUser, site: str, block: str, variant: str) -> Applied:
        change = edits.delete_variant(self.config, site=site, block=block, variant=variant)
        return self._apply(change, user, "delete-variant")

    def set_rules(self, *, user: AdminUser, site: str, block: str, rules: list[dict[str, Any]]) -> Applied:
        return self._apply(edits.set_rules(self.config, site=site, block=block, rules=rules), user, "update-rules")

    def survey(self, site: str, survey: str):
        found = next((s for s in self.site(site).surveys if s.id == survey), None)
        if found is None:
            raise survey_edits.UnknownSurvey(f"unknown survey {survey!r} for site {site!r}")
        return found

    def create_survey(self, *, user: AdminUser, site: str, raw_survey: dict[str, Any]) -> Applied:
        change = survey_edits.create_survey(self.config, site=site, raw_survey=raw_survey)
        return self._apply(change, user, "create-survey")

    def replace_survey(self, *, user: AdminUser, site: str, survey: str, raw_survey: dict[str, Any]) -> Applied:
        change = survey_edits.replace_survey(self.config, site=site, survey=survey, raw_survey=raw_survey)
        return self._apply(change, user, "update-survey")

    def set_survey_enabled(self, *, user: AdminUser, site: str, survey: str, enabled: bool) -> Applied:
        change = survey_edits.set_survey_enabled(self.config, site=site, survey=survey, enabled=enabled)
        return self._apply(change, user, "pause-survey" if not enabled else "resume-survey")

    def delete_survey(self, *, user: AdminUser, site: str, survey: str) -> Applied:
        return self._apply(survey_edits.delete_survey(self.config, site=site, survey=survey), user, "delete-survey")

    def preview_html(self, html: str) -> Preview:
        cleaned, stripped = clean(html)
        return Preview(html=cleaned, stripped=stripped)

    def export(self) -> ConfigText:
        return ConfigText(toml=to_toml(self.config), version=self.version())

    def preview_config(self, text: str) -> ConfigPreview:
        live = to_toml(self.config)
        try:
            new = parse_toml(text, "imported")
        except ConfigError as error:
            return ConfigPreview(valid=False, error=str(error), diff="")
        return ConfigPreview(valid=True, error=None, diff=diff(live, to_toml(new)))

    def import_config(self, *, user: AdminUser, text: str) -> Applied:
        change = edits.import_config(self.config, parse_toml(text, "imported"))
        return self._apply(change, user, "import-config")

    def _apply(self, change: edits.Change, user: AdminUser, action: str, stripped: list[str] | None = None) -> Applied:
        version = self.store.apply(change.config, actor=user.name, action=action, target=change.target,
                                   summary=change.summary, before=change.before, after=change.after)
        return Applied(version, change.summary, stripped or [])
