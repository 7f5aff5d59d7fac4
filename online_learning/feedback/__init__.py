"""Feedback intelligence on open-text answers, in-process and without any download at run time.

`Sentiment` scores an answer (VADER, English only), `ThemeModel` groups answers into themes
online (YAKE key phrases, River TF-IDF), `NegativeSurge` raises an alarm when a theme's
negative volume jumps (River ADWIN). Pure: no I/O beyond the packages' own bundled word lists.
"""

from online_learning.feedback.sentiment import COVERED_LANGUAGES, Sentiment, is_negative
from online_learning.feedback.surge import NegativeSurge
from online_learning.feedback.themes import Theme, ThemeModel

__all__ = ["COVERED_LANGUAGES", "NegativeSurge", "Sentiment", "Theme", "ThemeModel", "is_negative"]
