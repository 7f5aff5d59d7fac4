"""A seeded stream of decisions and the events that follow them, as the learner reads it from the log."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import numpy as np

from online_learning.join import PendingDecision

TTL_MS = 20_000


def simulated_log(seed: int, decisions: int = 400) -> list[tuple[Any, ...]]:
    """Rows in log order: ("decision", PendingDecision), ("event", id, kind, value, at), ("advance", now).

    Impressions come late or never, some twice; clicks and ratings come before the impression, inside the
    window or after it; a few events name decisions that were never logged.
    """
    rng = np.random.default_rng(seed)
    timed: list[tuple[int, int, tuple[Any, ...]]] = []
    decided_at = 0
    for n in range(decisions):
        decided_at += int(rng.integers(0, 400))
        feedback = ["thumbs", "stars"][n % 2]
        decision = PendingDecision(
            f"d{n}", f"pk_{'ab'[n % 2]}", "hero", str(rng.choice(["v1", "v2", "v3"])), ("bias", f"device={n % 3}"),
            decided_at=decided_at, window_ms=int(rng.choice([2_000, 5_000])), feedback=feedback,
        )
        timed.append((decided_at, 0, ("decision", decision)))

        def event(kind: str, value: float | None, late: int, decision_id: str = decision.decision_id) -> None:
            at = decided_at + late
            timed.append((at, 1, ("event", decision_id, kind, value, at)))

        if rng.random() < 0.8:
            event("impression", None, int(rng.integers(0, 3_000)))
        if rng.random() < 0.1:
            event("impression", None, int(rng.integers(0, 6_000)))
        if rng.random() < 0.3:
            event("click", None, int(rng.integers(0, 8_000)))
        if rng.random() < 0.1:
            event("dismiss", None, int(rng.integers(0, 8_000)))
        if rng.random() < 0.25:
            value = float(rng.integers(1, 6)) if feedback == "stars" else float(rng.choice([-1, 1]))
            event("rating", value, int(rng.integers(0, 8_000)))
        if rng.random() < 0.05:
            event("click", None, int(rng.integers(0, 1_000)), decision_id=f"ghost{n}")  # never logged
    end = max(at for at, _, _ in timed) + TTL_MS + 10_000
    timed.extend((now, 2, ("advance", now)) for now in range(0, end, 1_000))
    return [row for _, _, row in sorted(timed, key=lambda item: (item[0], item[1]))]


def replay(join_or_learner, rows: list[tuple[Any, ...]]) -> Iterator[Any]:
    """Feed rows to a RewardJoin or OnlineLearner; yields whatever each call returns."""
    for row in rows:
        if row[0] == "decision":
            yield join_or_learner.add_decision(copy.deepcopy(row[1]))  # the join fills it in as events arrive
        elif row[0] == "event":
            _, decision_id, kind, value, at = row
            yield join_or_learner.add_event(decision_id, kind, value, at=at)
        else:
            yield join_or_learner.advance(row[1])
