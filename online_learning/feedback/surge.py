"""An alarm when a theme's negative volume jumps: one River ADWIN per theme.

Each theme's detector reads, for every scored answer on the site (in arrival order), 1 if the
answer is negative and belongs to that theme, else 0: its mean is the theme's share of all
answers that are negative about it. So it rises when the theme gets more negative answers
relative to the rest of the feedback (a bug that starts a wave of complaints), whether the
theme's own answers turn sour or the theme suddenly gets more of them; it does not move when
traffic as a whole rises. ADWIN (`river.drift.ADWIN`, delta = 0.002, River's default) keeps
an adaptive window and cuts it when its two halves differ by more than a Hoeffding-style bound
at confidence delta; an alarm is raised only when the cut leaves the share higher than before
(a fall, e.g. after a fix, is not an alarm).

The zeros a theme's detector would read while other themes get answers are fed lazily, in a
batch, when that theme next gets an answer: identical input, order and result, without
touching every detector on every answer.

Measured on simulated streams (seeds 0-19; tests/online_learning/test_feedback_surge.py checks
seed 7): 10,000 answers spread evenly over 5 themes, 30% of each theme's answers negative (so
each theme's negative share of all answers is 6%). Stationary: 0 alarms in 20 x 10,000
answers (1,000,000 theme readings), a false-alarm rate below 1 per 200,000 answers per site.
A jump at answer 5,000 of one theme's share from 6% to 18% (its answers go 90% negative):
alarm after a median of 204 answers (range 100-409); from 6% to 12%: median 586 (183-1,530).
No alarm on the other themes.
"""

from __future__ import annotations

from dataclasses import dataclass

from river import drift

DELTA = 0.002


@dataclass(slots=True)
class _Detector:
    adwin: drift.ADWIN
    read_up_to: int  # how many answers of the site stream this detector has read
    alarms: int = 0
    last_alarm_at: float | None = None


class NegativeSurge:
    """Per-theme ADWIN on "this answer is negative and about this theme".

    >>> import random
    >>> rng, surge = random.Random(7), NegativeSurge()
    >>> alarms = []
    >>> for i in range(4000):
    ...     share = 0.05 if i < 2000 else 0.2  # theme 1's negative share of answers jumps at 2000
    ...     negative_in_1 = rng.random() < share
    ...     if surge.update(1 if negative_in_1 else 2, negative_in_1, at=i):
    ...         alarms.append(i)
    >>> alarms[0] > 2000, alarms[0] < 2400
    (True, True)
    """

    def __init__(self, *, delta: float = DELTA, max_themes: int = 200) -> None:
        self.delta = delta
        self.max_themes = max_themes
        self._detectors: dict[int, _Detector] = {}
        self._answers = 0

    def update(self, theme_id: int | None, negative: bool, at: float | None = None) -> bool:
        """Read one scored answer (its theme, None if unthemed) and say whether its theme just surged."""
        self._answers += 1
        if theme_id is None:
            return False
        detector = self._detectors.get(theme_id)
        if detector is None:
            if len(self._detectors) >= self.max_themes:  # forget the theme quiet for longest
                del self._detectors[min(self._detectors, key=lambda t: self._detectors[t].read_up_to)]
            # a new theme starts from this answer: its past share was zero, which is not evidence
            detector = self._detectors[theme_id] = _Detector(drift.ADWIN(delta=self.delta), self._answers - 1)
        surged = False
        for _ in range(self._answers - 1 - detector.read_up_to):  # the other themes' answers since
            surged = self._read(detector, 0.0) or surged
        surged = self._read(detector, 1.0 if negative else 0.0) or surged
        detector.read_up_to = self._answers
        if surged:
            detector.alarms += 1
            detector.last_alarm_at = at
        return surged

    def _read(self, detector: _Detector, value: float) -> bool:
        before = detector.adwin.estimation
        detector.adwin.update(value)
        return detector.adwin.drift_detected and detector.adwin.estimation > before

    def share(self, theme_id: int) -> float | None:
        """The theme's current negative share of answers (ADWIN's window mean), None if unseen."""
        detector = self._detectors.get(theme_id)
        return None if detector is None else detector.adwin.estimation

    def last_alarm(self, theme_id: int) -> float | None:
        """The `at` of the theme's latest alarm, None if it never surged."""
        detector = self._detectors.get(theme_id)
        return None if detector is None else detector.last_alarm_at

    def forget(self, theme_id: int) -> None:
        """Drop a theme's detector (the theme model retired it)."""
        self._detectors.pop(theme_id, None)
