"""Linear Thompson sampling: a ridge regression of reward on context features per variant.

Learning adds to sufficient statistics (evidence matrix and reward vector), which is
cheap. Two sets are kept: one that keeps everything and one whose evidence fades over a
few thousand updates. Each update also scores both published fits on the reward it
brings, and `refresh` publishes the fit that has predicted recent rewards better: the
lasting one while visitors stay the same, the recent one once their tastes change.
When the recent fit predicts clearly better (tastes changed), the lasting set restarts
from the recent one, so it gathers the new tastes at full strength instead of carrying
the old ones for ever. `refresh` inverts the precision matrices off the request path and
publishes means and covariances that `probabilities` reads. The pair prior and the posterior's
scale are chosen online from a few candidates, scored on the rewards as they come (`self_tuning.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from online_learning.exploration import probability_of_best
from online_learning.policies import published as publish
from online_learning.policies.cache import DistributionCache
from online_learning.policies.evidence import Evidence
from online_learning.policies.self_tuning import PRIOR_NOISE, SelfTuning
from online_learning.policies.vocabulary import FieldVocabulary

_MEMO_ENTRIES = 50_000  # contexts whose feature positions are remembered
_REFIT_EVERY = 500  # updates between the fits that score predictions: fixed by the update count, so replayable
_SCORE_EVERY = 2000  # updates between scorings of the candidate priors and scales: a multiple of _REFIT_EVERY


# the candidate grid of self-tuning, for a caller who opts in: LinearThompson(**SELF_TUNING)
SELF_TUNING = {"pair_priors": (10.0, 30.0, 100.0), "exploration_scales": (0.2, 0.3, 0.5)}


class LinearThompson:
    """Contextual policy: generalises across contexts through shared features and their pairs.

    Each variant's reward is modelled as a linear function of binary context features.
    A decision samples each variant's expected reward from its posterior `draws` times and
    returns the share of draws each variant wins: Thompson sampling with an exact,
    logged distribution. The recent fit forgets evidence older than about `memory`
    updates; it is published while it predicts the rewards of about the last `judged_over`
    updates better than the fit that keeps everything (`memory=None`: only that one). The pair prior and the
    exploration scale in use are the best-scoring of `pair_priors` x `exploration_scales` (None: the one given).
    A field with more than `open_values` values gets its own feature for at most `values_per_field`
    of them, the rest sharing `field=(other)` (`values_per_field=None`: every value, up to `max_features`).

    >>> policy = LinearThompson(seed=3)
    >>> mobile, desktop = ["bias", "device=mobile"], ["bias", "device=desktop"]
    >>> for _ in range(300):
    ...     policy.update("compact", mobile, 1.0)
    ...     policy.update("wide", mobile, 0.0)
    ...     policy.update("compact", desktop, 0.0)
    ...     policy.update("wide", desktop, 1.0)
    >>> policy.refresh()
    >>> policy.probabilities(["compact", "wide"], mobile).tolist()
    [1.0, 0.0]
    >>> policy.probabilities(["compact", "wide"], desktop).tolist()
    [0.0, 1.0]
    """

    kind = "contextual"

    def __init__(
        self,
        *,
        prior: float = 3.0,
        pair_prior: float = 30.0,  # most pairs of fields do not interact: a pair must earn its weight with evidence
        memory: float | None = 2000.0,
        judged_over: float = 2000.0,
        shift_margin: float = 0.02,  # how much better the recent fit must predict before the past is dropped
        exploration_scale: float = 0.3,  # Chapelle & Li (2011): a narrower posterior explores enough and earns more
        # candidates scored online (self_tuning.py): off by default, as it costs ~43% of update speed for +0.004
        pair_priors: Sequence[float] | None = None,
        exploration_scales: Sequence[float] | None = None,
        max_features: int = 512,
        values_per_field: int | None = 48,  # a page path's thousands of values: the most seen get a feature
        open_values: int = 16,  # a field with no more values than this keeps every value and every pair
        admit_after: int = 10,  # sightings a wide field's value needs before it gets a feature of its own
        draws: int = 256,
        seed: int = 0,
    ) -> None:
        self.prior = prior
        self.pair_prior = pair_prior
        self.memory = memory
        self.judged_over = judged_over
        self.shift_margin = shift_margin
        self.exploration_scale = exploration_scale
        self.pair_priors = pair_priors
        self.exploration_scales = exploration_scales
        self._tuning = None if pair_priors is None and exploration_scales is None else SelfTuning(
            pair_priors=tuple(pair_priors or (pair_prior,)), scales=tuple(exploration_scales or (exploration_scale,)),
            default=(pair_prior, exploration_scale), judged_over=judged_over, batch=_SCORE_EVERY)
        self.max_features = max_features
        self.values_per_field = values_per_field
        self.open_values = open_values
        self.admit_after = admit_after
        self._fields = None if values_per_field is None else FieldVocabulary(
            open_values=open_values, values_per_field=values_per_field, admit_after=admit_after)
        self.draws = draws
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._vocabulary: dict[str, int] = {}
        self._pairs: list[bool] = []  # whether each feature is a pair of fields (its prior is the pair prior)
        self._capacity = 16
        self._positions_memo: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray, int]] = {}
        self._lasting = Evidence(memory=None)
        self._recent = Evidence(memory=memory) if memory is not None else None
        self._updates = 0
        self._fits: list[dict[str, np.ndarray]] = [{}, {}]  # the lasting and the recent means, every _REFIT_EVERY
        self._errors = [0.0, 0.0]  # their squared errors on the rewards since, fading over `judged_over` updates
        self._published = publish.empty(np.sqrt(PRIOR_NOISE), prior, pair_prior, exploration_scale)
        self._cache = DistributionCache()

    @property
    def in_use(self) -> tuple[float, float]:
        """(pair prior, exploration scale) the published fit decides with."""
        return self._published.pair_prior, self._published.scale

    def _chosen(self) -> tuple[float, float]:
        """(pair prior, exploration scale) in use: the best-scoring candidates so far."""
        return (self.pair_prior, self.exploration_scale) if self._tuning is None else self._tuning.chosen

    def _prior_vector(self) -> np.ndarray:
        return np.where(np.array(self._pairs, dtype=bool), self._chosen()[0], self.prior)

    # learning side (the learner thread)

    def _indices(self, features: Sequence[str]) -> np.ndarray:
        indices = []
        for feature in features:
            index = self._vocabulary.get(feature)
            if index is None and len(self._vocabulary) < self.max_features:
                index = self._vocabulary[feature] = len(self._vocabulary)
                self._pairs.append("&" in feature)
            if index is not None:
                indices.append(index)
        if len(self._vocabulary) > self._capacity:
            self._capacity = min(max(self._capacity * 2, len(self._vocabulary)), self.max_features)
            for evidence in self._evidences():
                evidence.grow(self._capacity)
        return np.array(indices, dtype=np.intp)

    def _evidences(self) -> list[Evidence]:
        return [self._lasting] if self._recent is None else [self._lasting, self._recent]

    def _positions(self, features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The features' indices and the flat cells of their block; memoised, as contexts recur and an
        index, once given, never changes (the cells are redone when the matrices grow)."""
        key = tuple(features)
        found = self._positions_memo.get(key)
        if found is None or found[2] != self._capacity:
            if len(self._positions_memo) >= _MEMO_ENTRIES:
                self._positions_memo = {}
            indices = self._indices(features)
            found = self._positions_memo[key] = (indices, (indices[:, None] * self._capacity + indices).ravel(),
                                                 self._capacity)
        return found[0], found[1]

    def _known(self, features: Sequence[str]) -> Sequence[str]:
        """The features as the model names them: a wide field's rarer values as `field=(other)`."""
        return features if self._fields is None else self._fields.map(features)

    def update(self, variant: str, features: Sequence[str], reward: float) -> None:
        if self._fields is not None:
            widened = self._fields.widened
            features = self._fields.learn(features)
            if self._fields.widened != widened:
                self._retire()
        indices, cells = self._positions(features)
        if self._recent is not None:
            self._judge(variant, indices, reward)
        for evidence in self._evidences():
            evidence.add(variant, indices, cells, reward, self._capacity)
        if self._tuning is not None:
            self._tuning.remember(variant, indices, reward)
        self._updates += 1
        if self._tuning is not None and self._updates % self._tuning.batch == 0:  # before a restart can intervene
            self._tuning.score(self._lasting, len(self._vocabulary), np.array(self._pairs, dtype=bool), self.prior)
        if self._recent is not None and self._updates % _REFIT_EVERY == 0:
            self._refit()

    def _refit(self) -> None:
        if self._errors[1] < (1.0 - self.shift_margin) * self._errors[0]:
            self._lasting.restart_from(self._recent)  # the recent fit predicts clearly better: tastes changed
            self._errors[0] = self._errors[1]
            if self._tuning is not None:
                self._tuning.forget_pending()  # they are in the restarted evidence faded: they cannot be taken out
        size, priors = len(self._vocabulary), self._prior_vector()
        self._fits = [_padded(self._lasting.means(size, priors), self.max_features),
                      _padded(self._recent.means(size, priors), self.max_features)]

    def _retire(self) -> None:
        """Drop the pairs of fields that turned wide: they will never be formed again, so free their rows."""
        gone = self._fields.retired(list(self._vocabulary))
        if not gone:
            return
        keep = np.array([i for f, i in self._vocabulary.items() if f not in gone], dtype=np.intp)
        self._vocabulary = {f: j for j, f in enumerate(f for f in self._vocabulary if f not in gone)}
        self._pairs = [self._pairs[i] for i in keep]
        if self._tuning is not None:
            self._tuning.forget_pending()  # their indices name the old positions
        for evidence in self._evidences():
            evidence.keep(keep)
        self._fits = [_padded({v: m[keep] for v, m in fit.items()}, self.max_features) for fit in self._fits]
        self._positions_memo = {}

    def _judge(self, variant: str, indices: np.ndarray, reward: float) -> None:
        """Score each fit on a reward it has not learned from yet (prequential error)."""
        keep = 1.0 - 1.0 / self.judged_over
        for which, fit in enumerate(self._fits):
            means = fit.get(variant)  # padded with zeros: features newer than the fit predict nothing
            predicted = 0.0 if means is None else float(means[indices].sum())
            self._errors[which] = keep * self._errors[which] + (reward - predicted) ** 2

    def refresh(self) -> None:
        if not self._lasting.arms:
            return
        size = len(self._vocabulary)
        priors = self._prior_vector()
        recent_wins = self._recent is not None and self._errors[1] < self._errors[0]
        names, means, covariances, residual, count = (self._recent if recent_wins else self._lasting).fit(size, priors)
        noise = float(np.sqrt((residual + PRIOR_NOISE) / (count + 1)))
        pair_prior, scale = self._chosen()
        self._published = publish.Published(dict(self._vocabulary), {v: i for i, v in enumerate(names)}, means,
                                            covariances, noise, priors, self.prior, pair_prior, scale)
        self._cache = DistributionCache()

    # decision side (the request path): reads only the published snapshot

    def probabilities(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray:
        features = self._known(features)
        return self._cache.get_or_compute((tuple(variants), tuple(features)), lambda: self._draw(variants, features))

    def _draw(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray:
        published = self._published
        means, variances = publish.posterior(published, variants, features)
        spread = published.scale * published.noise * np.sqrt(np.maximum(variances, 0.0))
        samples = means + spread * self._rng.standard_normal((self.draws, len(variants)))
        return probability_of_best(samples)

    def expected_rewards(self, variants: Sequence[str], features: Sequence[str]) -> np.ndarray:
        """The posterior mean reward of each variant for these features (greedy choice, evaluation)."""
        return publish.posterior(self._published, variants, self._known(features))[0]

    def contributions(self, variant: str, features: Sequence[str]) -> list[tuple[str, float]]:
        """How much each feature raises this variant's expected reward above the other variants'."""
        return publish.contributions(self._published, variant, self._known(features))

    # snapshots: the evidence as stored, the prior left out

    def state(self) -> dict[str, Any]:
        size = len(self._vocabulary)
        state = {"vocabulary": list(self._vocabulary), "arms": self._lasting.state(size)["arms"],
                 "updates": self._updates}
        if self._recent is not None:
            fits = [{v: m[:size].tolist() for v, m in fit.items()} for fit in self._fits]
            state |= {"recent": self._recent.state(size), "errors": list(self._errors), "fits": fits}
        if self._fields is not None:
            state["fields"] = self._fields.state()
        if self._tuning is not None:
            state["tuning"] = self._tuning.state()
        return state

    def load_state(self, state: dict[str, Any]) -> None:
        self._vocabulary = {f: i for i, f in enumerate(state["vocabulary"])}
        self._positions_memo = {}
        self._pairs = ["&" in f for f in self._vocabulary]
        size = len(self._vocabulary)
        self._capacity = max(16, size)
        self._lasting.load_state(state["arms"], size, self._capacity, self.prior)
        self._updates = state.get("updates", 0)
        if self._recent is not None:  # a snapshot from before the recent fit starts it from everything learned
            self._recent.load_state(state.get("recent", state["arms"]), size, self._capacity, self.prior)
            self._errors = list(state.get("errors", [0.0, 0.0]))
            self._fits = [_padded({v: np.array(m) for v, m in fit.items()}, self.max_features)
                          for fit in state.get("fits", [{}, {}])]
        if self._tuning is not None:  # a snapshot from before self-tuning starts from the default candidate
            self._tuning.load_state(state.get("tuning"))
        if self._fields is not None and "fields" in state:
            self._fields.load_state(state["fields"])
        elif self._fields is not None:  # a snapshot from before the cap: the values it learned stay admitted
            self._fields.rebuild(state["vocabulary"])
            self._retire()
        self.refresh()


def _padded(means: dict[str, np.ndarray], length: int) -> dict[str, np.ndarray]:
    """Each variant's means with zeros up to `length`, so any feature index can be read without a check."""
    return {variant: np.pad(values, (0, length - len(values))) for variant, values in means.items()}
