"""What the widget's banner and preference center read about a site: its config, with English defaults."""

from __future__ import annotations

from server.config.schema import Site
from server.privacy.schemas import CategoryText, PrivacySettings

DEFAULT_CATEGORIES = {
    "personalization": CategoryText(
        label="Personalization",
        description="Use what you do on this site and the interests you choose to pick the content you see. "
                    "Off, you see what most visitors respond to, and nothing about you is kept."),
    "feedback": CategoryText(
        label="Feedback",
        description="Keep your ratings and survey answers with your visitor id, so a variant you rated down stays "
                    "hidden for you and you can see or undo them here."),
    "measurement": CategoryText(
        label="Measurement",
        description="Count anonymously what is shown and clicked, so the site learns what works for everyone."),
}


def transparency_url(site: str) -> str:
    return f"/transparency/{site}"


def privacy_settings(site: Site) -> PrivacySettings:
    privacy = site.privacy
    categories = {name: CategoryText(label=given.label, description=given.description) if given else default
                  for name, default in DEFAULT_CATEGORIES.items() for given in [privacy.categories.get(name)]}
    return PrivacySettings(
        site=site.key, consent=site.consent, banner=privacy.banner, policy_version=privacy.policy_version,
        sources=list(privacy.sources), categories=categories,
        interests=[{"id": interest.id, "label": interest.label} for interest in privacy.interests],
        texts={language: dict(texts) for language, texts in privacy.texts.items()},
        transparency_url=transparency_url(site.key),
    )
