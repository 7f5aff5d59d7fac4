"""A sentiment score per open-text answer: VADER's compound score, English only.

VADER (vaderSentiment 3.3.2) is a rule-based lexicon method; the lexicon ships inside the
package and is read from it when `Sentiment()` is built (no download, no network). It covers
English only, so every other language is "not scored" (`None`) rather than guessed.

Which answers are scored:
- the page language's primary subtag is `en` (`en`, `en-GB`, `EN_us`), or the page gave no
  language at all;
- and the text is not clearly another language. "Clearly" means either more than 30% of its
  letters are outside the Latin alphabet (Cyrillic, Arabic, CJK, ...), or it has 5 or more
  words and not one of them is a common English function word or a VADER lexicon word
  (so "Das Paket ist leider kaputt angekommen" is not scored on an English page).
Empty answers are not scored either.
"""

from __future__ import annotations

import re

COVERED_LANGUAGES = frozenset({"en"})
NEGATIVE_BELOW = -0.05  # VADER's own convention: compound <= -0.05 is negative, >= 0.05 positive
POSITIVE_ABOVE = 0.05

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_ENGLISH_FUNCTION_WORDS = frozenset(
    "a an the and or but not no of to in on at for with from by as is are was were be been it its "
    "this that these those i you he she we they my your our their me us them do does did have has "
    "had will would can could should very so too just than then there here what when why how all "
    "any some more most only also if about after before because".split()
)
_NON_LATIN_SHARE = 0.3  # more non-Latin letters than this: clearly not English
_MIN_WORDS_FOR_WORD_GUARD = 5  # shorter texts ("super!", "bof") are too short to judge by words


def primary_language(language: str | None) -> str | None:
    """The primary subtag of a page language code, lower-cased: 'en-GB' -> 'en'; '' or None -> None."""
    if not language or not language.strip():
        return None
    return re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower()


class Sentiment:
    """VADER's compound score (-1 most negative .. +1 most positive) for English answers.

    >>> sentiment = Sentiment()
    >>> sentiment.score("Shipping was fast and the support team was lovely.", "en")
    0.7579
    >>> sentiment.score("Checkout kept failing, what a waste of time.", "en-GB")
    -0.7269
    >>> sentiment.score("Der Versand war schnell.", "de") is None
    True
    """

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # reads its lexicon files

        self._analyzer = SentimentIntensityAnalyzer()
        self._lexicon = self._analyzer.lexicon

    def covers(self, text: str, language: str | None) -> bool:
        """Whether `score` would give a number for this text on a page in this language."""
        primary = primary_language(language)
        if primary is not None and primary not in COVERED_LANGUAGES:
            return False
        return bool(text and text.strip()) and not self._clearly_not_english(text)

    def score(self, text: str, language: str | None) -> float | None:
        """The compound score rounded to 4 places, or None when the answer is not scored."""
        if not self.covers(text, language):
            return None
        return round(self._analyzer.polarity_scores(text)["compound"], 4)

    def _clearly_not_english(self, text: str) -> bool:
        letters = [c for c in text if c.isalpha()]
        if letters:
            non_latin = sum(1 for c in letters if not _is_latin(c))
            if non_latin / len(letters) > _NON_LATIN_SHARE:
                return True
        words = [w.lower() for w in _WORD.findall(text)]
        if len(words) < _MIN_WORDS_FOR_WORD_GUARD:
            return False
        return not any(w in _ENGLISH_FUNCTION_WORDS or w in self._lexicon for w in words)


def is_negative(score: float | None) -> bool:
    """A scored answer at or below VADER's negative cut-off; unscored answers are not negative."""
    return score is not None and score <= NEGATIVE_BELOW


def _is_latin(char: str) -> bool:
    # Basic Latin, Latin-1 Supplement and Latin Extended-A/B cover English and its loanwords
    return char < "\u0250"
