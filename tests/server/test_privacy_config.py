"""The privacy keys of a site's configuration refuse hostile values, naming the key: a setting must never
stop a restart by surprise, nor let a retention job delete everything or nothing."""

from __future__ import annotations

import re
import tomllib

import pytest

from server.config.loader import ConfigError, parse_config

SITE = """
[[sites]]
key = "pk_p"
[[sites.blocks]]
id = "hero"
fallback = "a"
variants = [{ id = "a" }]
[sites.privacy]
"""


@pytest.mark.parametrize(("line", "key"), [
    ("retention = { behaviour_days = nan }", "retention.behaviour_days"),
    ("retention = { behaviour_days = 0 }", "retention.behaviour_days"),
    ("retention = { feedback_days = 1e400 }", "retention.feedback_days"),
    ("retention = { consent_days = 99999999999999999 }", "retention.consent_days"),
    ("retention = { consent_days = \"5 years\" }", "retention.consent_days"),
    ("sources = [\"attune\", \"evil\"]", "sources"),
    ("sources = []", "sources"),
    ("policy_version = \"\"", "policy_version"),
    ("interests = [{ id = \"has space\", label = \"x\" }]", "interests[0].id"),
    ("interests = [{ id = \"ok\", label = \"\" }]", "interests[0].label"),
    ("texts = { \"not a language!\" = { why = \"x\" } }", "texts"),
    ("categories = { marketing = { label = \"x\", description = \"y\" } }", "categories"),
    ("banner = 1", "banner"),
])
def test_a_hostile_privacy_value_is_refused_naming_the_key(line, key):
    raw = tomllib.loads(SITE + line + "\n")
    with pytest.raises(ConfigError, match=re.escape(f"sites[0].privacy.{key}")):
        parse_config(raw)


def test_thirty_three_interests_are_refused():
    interests = ", ".join(f'{{ id = "i{n}", label = "I{n}" }}' for n in range(33))
    with pytest.raises(ConfigError, match=r"privacy\.interests"):
        parse_config(tomllib.loads(SITE + f"interests = [{interests}]\n"))


def test_an_unknown_privacy_key_is_refused_naming_it():
    with pytest.raises(ConfigError, match=re.escape("sites[0].privacy: Object contains unknown field `unknown`")):
        parse_config(tomllib.loads(SITE + "unknown = true\n"))
