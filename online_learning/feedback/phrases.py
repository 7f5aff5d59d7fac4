"""Key phrases of one answer (YAKE) and the terms a theme is clustered on.

YAKE (yake 0.7.3) is unsupervised and statistical: it needs no model and no download; its
stopword lists ship inside the package. Lemmatisation (the one YAKE option that would
download NLTK or spaCy data) stays off.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

MAX_PHRASE_WORDS = 2  # short feedback: "password reset" reads better than 3-word fragments
PHRASES_PER_ANSWER = 5
STRONG_SENTIMENT = 1.5  # VADER valence at or beyond which a lone word says how, not what ("good", "awful")
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class KeyPhrases:
    """What YAKE found in one answer: its phrases (best first) and the terms used to cluster it."""

    phrases: tuple[str, ...]
    terms: tuple[str, ...]


@functools.cache
def _extractor(language: str):
    import yake

    return yake.KeywordExtractor(lan=language, n=MAX_PHRASE_WORDS, top=PHRASES_PER_ANSWER, dedup_lim=0.9)


@functools.cache
def strong_sentiment_words() -> frozenset[str]:
    """Single words whose VADER valence is strong; they carry sentiment, not a topic."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    lexicon = SentimentIntensityAnalyzer().lexicon
    return frozenset(word for word, valence in lexicon.items() if abs(valence) >= STRONG_SENTIMENT)


def normalise(word: str) -> str:
    """Lower-case and fold a plural 's' so 'refunds' and 'refund' count as one term."""
    word = word.lower()
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def key_phrases(text: str, *, language: str = "en", drop_sentiment_words: bool = True) -> KeyPhrases:
    """YAKE's key phrases of `text`, and the terms for clustering: each phrase's words, plus the
    phrase itself when it has several words (joined by '_'), without strong sentiment words."""
    if not text or not text.strip():
        return KeyPhrases((), ())
    found = _extractor(language).extract_keywords(text)
    phrases = tuple(dict.fromkeys(" ".join(_WORD.findall(phrase.lower())) for phrase, _ in found))
    ignored = strong_sentiment_words() if drop_sentiment_words else frozenset()
    terms: list[str] = []
    for phrase in phrases:
        words = [normalise(w) for w in phrase.split()]
        topical = [w for w in words if w not in ignored]
        terms.extend(topical)
        if len(words) > 1 and topical:
            terms.append("_".join(words))
    return KeyPhrases(tuple(p for p in phrases if p), tuple(dict.fromkeys(terms)))
