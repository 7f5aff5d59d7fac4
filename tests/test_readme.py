"""README promises: two commands, CI runs the second, and the documented configuration loads."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from server.config.loader import parse_config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_quick_start_is_two_commands_and_ci_runs_the_second():
    quick_start = README.split("## Quick start", 1)[1]
    commands = re.search(r"```\n(.*?)```", quick_start, flags=re.S)[1].strip().splitlines()
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci


def test_the_documented_configuration_example_is_valid():
    example, *_ = _blocks("toml")
    config = parse_config(tomllib.loads(example), source="README")
    hero = config.sites[0].blocks[0]
    assert hero.rules[0].force == "classic" and "<b>tonight</b>" in hero.variants[1].content["html"]


def test_each_documented_configuration_fragment_loads_in_the_example():
    example, *fragments = _blocks("toml")
    assert fragments, "the surveys and counters fragments are gone from README"
    for fragment in fragments:  # each extends the example's last site (and its last block)
        parse_config(tomllib.loads(example + "\n" + fragment), source="README")


def test_readme_shows_the_current_widget_build_and_its_integrity_hash():
    from server.bundle.files import load_bundle

    bundle = load_bundle()
    assert bundle is not None, "the widget is not built (npm run build)"
    pinned = README.split("<!-- widget-sri", 1)[1]
    src = re.search(r'src="[^"]*(/v1/widget/[0-9a-f]+/attune\.js)"', pinned)[1]
    integrity = re.search(r'integrity="([^"]+)"', pinned)[1]
    assert (src, integrity) == (bundle.versioned_path, bundle.integrity), (
        "README's pinned snippet is stale: update it to "
        f"{bundle.versioned_path} {bundle.integrity}"
    )
