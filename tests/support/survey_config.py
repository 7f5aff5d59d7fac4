"""A configuration with surveys for the admin's survey tests (in-process and Chromium), written to a file."""

from __future__ import annotations

from pathlib import Path

SURVEYS_CONFIG = """
[[sites]]
key = "pk_test"
allowed_origins = ["https://shop.example"]
consent = "opt-out"
reward_window = 1
holdout_share = 0.0

[[sites.blocks]]
id = "hero"
sticky = "none"
policy = "uniform"
fallback = "classic"
variants = [{ id = "classic" }, { id = "deal" }]

[[sites.surveys]]
id = "nps"
name = "Net promoter score"
[[sites.surveys.questions]]
id = "score"
type = "nps"
text = "How likely are you to recommend us to a friend?"
next = [{ lte = 6, to = "why" }, { to = "end" }]
[[sites.surveys.questions]]
id = "why"
type = "text"
text = "What could we do better?"
optional = true

[[sites.surveys]]
id = "pulse"
name = "Page pulse"
[[sites.surveys.questions]]
id = "sat"
type = "csat"
text = "How satisfied are you?"
[[sites.surveys.questions]]
id = "effort"
type = "ces"
text = "How easy was it?"
[[sites.surveys.questions]]
id = "role"
type = "single"
text = "What describes you best?"
choices = [{ id = "dev", label = "Developer" }, { id = "pm", label = "Product manager" }]
[[sites.surveys.questions]]
id = "useful"
type = "thumbs"
text = "Was this page useful?"
[[sites.surveys.questions]]
id = "wants"
type = "multiple"
text = "What would you like more of?"
choices = [{ id = "docs", label = "Docs" }, { id = "videos", label = "Videos" }, { id = "talks", label = "Talks" }]
"""


def surveys_config(directory: Path) -> Path:
    path = directory / "attune-surveys.toml"
    path.write_text(SURVEYS_CONFIG, encoding="utf-8")
    return path
