"""Themes of open-text answers, learned online: YAKE key phrases, River TF-IDF, leader clustering.

Each answer becomes the terms of its key phrases (see `phrases.py`), weighted by River's
online `feature_extraction.TFIDF` (document frequencies update with every answer). An answer
joins the theme whose centre is most similar (cosine) if that similarity reaches
`similarity`, and otherwise starts a new theme: the micro-cluster rule of River's
`cluster.TextClust`, without its fading and periodic re-merging. Why not River's clusterers
as they are: `KMeans` needs the number of themes up front and seeds each new term's centre
coordinate with Gaussian noise (meaningless for sparse text); `DBSTREAM`'s and `TextClust`'s
macro clusters are recomputed on request, so a theme's id and members can change between two
page loads, and their state is not a plain dict. Here a theme keeps its id for life, its
label is its most frequent key phrases, and nothing is random: the same answers in the same
order give the same themes.

Memory is bounded: at most `max_themes` themes (when all are taken, a new topic replaces the
theme with the fewest answers, the least recently updated first, so a topic that appears
late still gets a theme), `terms_per_theme` centre terms, `phrases_per_theme` counted phrases,
`candidates_per_theme` stored answer ids, and `max_vocabulary` document frequencies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from river import feature_extraction

from online_learning.feedback.phrases import key_phrases, strong_sentiment_words

STATE_VERSION = 1
REPRESENTATIVES = 3


@dataclass(frozen=True, slots=True)
class Theme:
    """One theme: `label` is its top key phrases, `representatives` the answer ids nearest its centre."""

    id: int
    label: str
    phrases: tuple[str, ...]
    count: int
    representatives: tuple[str, ...]


@dataclass(slots=True)
class _Cluster:
    count: int = 0
    last_seen: int = 0  # sequence number of its latest answer
    centre: dict[str, float] = field(default_factory=dict)  # sum of the members' unit TF-IDF vectors
    norm_sq: float = 0.0
    phrases: dict[str, int] = field(default_factory=dict)
    candidates: list[tuple[str, dict[str, float]]] = field(default_factory=list)


class ThemeModel:
    """Online themes of short answers.

    >>> model = ThemeModel()
    >>> [model.learn(f"a{i}", text) for i, text in enumerate([
    ...     "The delivery was late again", "Late delivery, parcel lost", "Price is too high",
    ...     "Delivery took two weeks", "The price went up"])]
    [0, 0, 1, 0, 1]
    >>> [(t.id, t.count, t.label) for t in model.themes()]
    [(0, 3, 'delivery · late · late delivery'), (1, 2, 'price · high')]
    """

    def __init__(self, *, similarity: float = 0.3, max_themes: int = 100, terms_per_theme: int = 100,
                 phrases_per_theme: int = 50, candidates_per_theme: int = 20, max_vocabulary: int = 20_000,
                 language: str = "en", drop_sentiment_words: bool = True) -> None:
        self.similarity = similarity
        self.max_themes = max_themes
        self.terms_per_theme = terms_per_theme
        self.phrases_per_theme = phrases_per_theme
        self.candidates_per_theme = candidates_per_theme
        self.max_vocabulary = max_vocabulary
        self.language = language
        self.drop_sentiment_words = drop_sentiment_words
        self._tfidf = feature_extraction.TFIDF(tokenizer=str.split, lowercase=False, strip_accents=False)
        self._clusters: dict[int, _Cluster] = {}
        self._next_id = 0
        self._seen = 0
        self.unthemed = 0  # answers without a topical key phrase ("bad", "ok")
        if drop_sentiment_words:
            strong_sentiment_words()  # load VADER's lexicon now rather than on the first answer

    def learn(self, answer_id: str, text: str) -> int | None:
        """Put one answer in a theme (updating it) and return the theme id, or None if it has no topic."""
        found = key_phrases(text, language=self.language, drop_sentiment_words=self.drop_sentiment_words)
        if not found.terms:
            self.unthemed += 1
            return None
        document = " ".join(found.terms)
        self._tfidf.learn_one(document)
        self._forget_rare_terms()
        vector = self._tfidf.transform_one(document)
        theme_id, best = self._nearest(vector)
        if best < self.similarity:
            if len(self._clusters) >= self.max_themes:
                del self._clusters[min(self._clusters, key=lambda t: (self._clusters[t].count,
                                                                      self._clusters[t].last_seen))]
            theme_id = self._next_id
            self._next_id += 1
            self._clusters[theme_id] = _Cluster()
        self._seen += 1
        self._clusters[theme_id].last_seen = self._seen
        self._add(self._clusters[theme_id], answer_id, vector, found.phrases)
        return theme_id

    def predict(self, text: str) -> int | None:
        """The theme an answer would join, without learning it (None: no topic, or no close theme)."""
        found = key_phrases(text, language=self.language, drop_sentiment_words=self.drop_sentiment_words)
        if not found.terms:
            return None
        theme_id, best = self._nearest(self._tfidf.transform_one(" ".join(found.terms)))
        return theme_id if best >= self.similarity else None

    def themes(self, *, min_count: int = 1) -> list[Theme]:
        """Every theme with at least `min_count` answers, largest first."""
        out = [self._theme(theme_id, cluster) for theme_id, cluster in self._clusters.items()
               if cluster.count >= min_count]
        return sorted(out, key=lambda theme: (-theme.count, theme.id))

    def _nearest(self, vector: dict[str, float]) -> tuple[int | None, float]:
        best_id, best = None, 0.0
        for theme_id, cluster in self._clusters.items():
            similarity = _cosine(vector, cluster)
            if similarity > best:
                best_id, best = theme_id, similarity
        return best_id, best

    def _add(self, cluster: _Cluster, answer_id: str, vector: dict[str, float], phrases: tuple[str, ...]) -> None:
        cluster.count += 1
        centre = cluster.centre
        for term, weight in vector.items():
            old = centre.get(term, 0.0)
            centre[term] = old + weight
            cluster.norm_sq += (old + weight) ** 2 - old**2
        if len(centre) > 2 * self.terms_per_theme:
            kept = sorted(centre.items(), key=lambda item: -item[1])[: self.terms_per_theme]
            cluster.centre = dict(kept)
            cluster.norm_sq = sum(w * w for _, w in kept)
        for phrase in phrases:
            cluster.phrases[phrase] = cluster.phrases.get(phrase, 0) + 1
        if len(cluster.phrases) > 2 * self.phrases_per_theme:
            top = sorted(cluster.phrases.items(), key=lambda item: -item[1])[: self.phrases_per_theme]
            cluster.phrases = dict(top)
        self._keep_candidate(cluster, answer_id, vector)

    def _keep_candidate(self, cluster: _Cluster, answer_id: str, vector: dict[str, float]) -> None:
        """Keep the answers most similar to the centre (bounded), for representative quotes."""
        if len(cluster.candidates) < self.candidates_per_theme:
            cluster.candidates.append((answer_id, vector))
            return
        scores = [_cosine(v, cluster) for _, v in cluster.candidates]
        weakest = min(range(len(scores)), key=scores.__getitem__)
        if _cosine(vector, cluster) > scores[weakest]:
            cluster.candidates[weakest] = (answer_id, vector)

    def _theme(self, theme_id: int, cluster: _Cluster) -> Theme:
        ignored = strong_sentiment_words() if self.drop_sentiment_words else frozenset()
        ranked = sorted(((p, n) for p, n in cluster.phrases.items() if p not in ignored), key=lambda item: -item[1])
        phrases = tuple(p for p, _ in ranked[:5])
        nearest = sorted(cluster.candidates, key=lambda c: -_cosine(c[1], cluster))[:REPRESENTATIVES]
        return Theme(theme_id, " · ".join(phrases[:3]), phrases, cluster.count, tuple(a for a, _ in nearest))

    def _forget_rare_terms(self) -> None:
        dfs = self._tfidf.dfs
        if len(dfs) > self.max_vocabulary:  # a forgotten term counts as unseen: the rarest kind anyway
            for term, _ in sorted(dfs.items(), key=lambda item: item[1])[: len(dfs) - self.max_vocabulary // 2]:
                del dfs[term]

    def state(self) -> dict:
        """Everything the model knows, as a JSON-able dict (`from_state` restores it exactly)."""
        return {
            "version": STATE_VERSION,
            "params": {"similarity": self.similarity, "max_themes": self.max_themes,
                       "terms_per_theme": self.terms_per_theme, "phrases_per_theme": self.phrases_per_theme,
                       "candidates_per_theme": self.candidates_per_theme, "max_vocabulary": self.max_vocabulary,
                       "language": self.language, "drop_sentiment_words": self.drop_sentiment_words},
            "documents": self._tfidf.n,
            "document_frequencies": dict(self._tfidf.dfs),
            "next_id": self._next_id,
            "seen": self._seen,
            "unthemed": self.unthemed,
            "themes": [{"id": theme_id, "count": c.count, "last_seen": c.last_seen, "centre": c.centre, "norm_sq": c.norm_sq,
                        "phrases": c.phrases, "candidates": [[a, v] for a, v in c.candidates]}
                       for theme_id, c in self._clusters.items()],
        }

    @classmethod
    def from_state(cls, state: dict) -> ThemeModel:
        """A model that continues exactly where the one that produced `state` stopped."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"theme state version {state.get('version')!r} is not {STATE_VERSION}")
        model = cls(**state["params"])
        model._tfidf.n = state["documents"]
        model._tfidf.dfs.update(state["document_frequencies"])
        model._next_id = state["next_id"]
        model._seen = state["seen"]
        model.unthemed = state["unthemed"]
        for t in state["themes"]:
            model._clusters[t["id"]] = _Cluster(t["count"], t["last_seen"], dict(t["centre"]), t["norm_sq"], dict(t["phrases"]),
                                                [(a, dict(v)) for a, v in t["candidates"]])
        return model


def _cosine(vector: dict[str, float], cluster: _Cluster) -> float:
    """Cosine of a unit vector with a theme's centre."""
    if cluster.norm_sq <= 0.0:
        return 0.0
    centre = cluster.centre
    return sum(w * centre.get(t, 0.0) for t, w in vector.items()) / math.sqrt(cluster.norm_sq)
