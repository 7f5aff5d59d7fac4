"""Feedback intelligence: sentiment scores, theme updates and surge updates per second on one core, in-process."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

from online_learning.feedback import NegativeSurge, Sentiment, ThemeModel, is_negative
from tests.bench.common import Options, section, table, verdict

DATA = Path(__file__).parents[1] / "data" / "sentiment"
TARGET_SENTIMENT, TARGET_THEMES = 1000, 100  # per second on one core: far above any site's open-text answer rate
_WORD = re.compile(r"\w+")


def answers() -> list[str]:
    """The 3,000 review sentences shipped for the accuracy test (amazon, yelp, imdb), in file order."""
    texts = []
    for name in ("amazon_cells", "yelp", "imdb"):
        lines = (DATA / f"{name}_labelled.txt").read_text(encoding="utf-8").splitlines()
        texts += [line.rsplit("\t", 1)[0] for line in lines]
    return texts


def per_second(step, items) -> float:
    start = time.process_time()  # CPU seconds of this process: other work on the machine does not count
    for item in items:
        step(item)
    return len(items) / max(time.process_time() - start, 1e-9)


def run(opts: Options) -> dict:
    texts = answers()
    if opts.quick:
        texts = texts[::3]
    section(f"Feedback intelligence (in-process, one core, {len(texts):,} review sentences)")
    counts: Counter = Counter()
    baseline = per_second(lambda text: counts.update(_WORD.findall(text.lower())), texts)
    sentiment = Sentiment()
    scores: list[float | None] = []
    sentiment_rate = per_second(lambda text: scores.append(sentiment.score(text, "en")), texts)
    model = ThemeModel()
    themes: list[int | None] = []
    numbered = list(enumerate(texts))
    theme_rate = per_second(lambda item: themes.append(model.learn(f"a{item[0]}", item[1])), numbered)
    surge = NegativeSurge()
    readings = list(zip(themes, (is_negative(s) for s in scores)))
    surge_rate = per_second(lambda item: surge.update(item[0], item[1]), readings)
    rows = [["tokenise + count (baseline)", baseline, 1.0],
            ["sentiment score (VADER)", sentiment_rate, baseline / sentiment_rate],
            ["theme update (YAKE + River TF-IDF)", theme_rate, baseline / theme_rate],
            ["negative-surge update (ADWIN)", surge_rate, baseline / surge_rate]]
    print(table(["step", "per s (1 core)", "x baseline cost"], rows))
    print(f"{len(model.themes())} themes at the end ({model.unthemed} answers without a topical phrase); "
          "CPU time of this process, so other load on the machine does not count")
    verdicts = [
        verdict(sentiment_rate >= TARGET_SENTIMENT, f"sentiment keeps up with {TARGET_SENTIMENT:,} answers/s on one "
                f"core: {sentiment_rate:,.0f}/s", quick=opts.quick),
        verdict(theme_rate >= TARGET_THEMES, f"themes keep up with {TARGET_THEMES:,} answers/s on one core: "
                f"{theme_rate:,.0f}/s", quick=opts.quick),
    ]
    return {"answers": len(texts), "baseline_per_s": round(baseline, 1),
            "sentiment_per_s": round(sentiment_rate, 1), "theme_updates_per_s": round(theme_rate, 1),
            "surge_updates_per_s": round(surge_rate, 1), "themes": len(model.themes()), "verdicts": verdicts}
