"""The results page's reward (SQL) equals the learner's (online_learning.reward) on random outcomes and weights.

Each outcome goes through the learner's reward join, so how a rating's value is read (stars or a thumb) is
checked too. Tolerance: 1e-9, float rounding only.
"""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa

from online_learning.join import PendingDecision, RewardJoin
from online_learning.reward import RewardWeights, reward
from server.storage.reward_sql import REWARD_SQL, reward_params

SEED, WEIGHT_SETS, ROWS_PER_SET = 17, 25, 80
COLUMNS = pa.schema([("i", pa.int64()), ("clicked", pa.bool_()), ("dismissed", pa.bool_()), ("feedback", pa.string()),
                     ("rating", pa.float64())])  # as results_rollup holds them


def _learned(rng: random.Random) -> tuple[dict, PendingDecision]:
    """One random seen decision's outcome class as results store it, and the reward the learner gives it."""
    feedback = rng.choice(["stars", "thumbs", None])
    rating = None if rng.random() < 0.4 else rng.randint(1, 5) if feedback == "stars" else rng.choice([-1.0, 1.0])
    row = {"clicked": rng.random() < 0.4, "dismissed": rng.random() < 0.3, "feedback": feedback, "rating": rating}
    join = RewardJoin()
    join.add_decision(PendingDecision("d", "pk", "hero", "v", ("bias",), decided_at=0, window_ms=1_000,
                                      feedback=feedback))
    join.add_event("d", "impression", None, at=1)
    if row["clicked"]:
        join.add_event("d", "click", None, at=2)
    if row["dismissed"]:
        join.add_event("d", "dismiss", None, at=2)
    closed = join.add_event("d", "rating", rating, at=3) if rating is not None else []
    (decision,) = closed or join.advance(10_000)
    return row, decision


def test_the_results_reward_is_the_learners_on_random_outcomes():
    rng = random.Random(SEED)
    db = duckdb.connect()
    for _ in range(WEIGHT_SETS):
        weights = RewardWeights(*(round(rng.uniform(-3, 3), 3) for _ in range(6)))
        rows, expected = [], []
        for i in range(ROWS_PER_SET):
            row, decision = _learned(rng)
            rows.append({"i": i, **row})
            expected.append(reward(decision.outcome, weights))
        classes = pa.Table.from_pylist(rows, schema=COLUMNS)
        db.register("classes", classes)
        query = f"SELECT {REWARD_SQL} FROM classes ORDER BY i"
        got = [r for (r,) in db.execute(query, reward_params(weights)).fetchall()]
        db.unregister("classes")
        mismatched = [(row, g, e) for row, g, e in zip(rows, got, expected, strict=True) if abs(g - e) > 1e-9]
        assert not mismatched, f"weights {weights}: SQL vs Python differ on {mismatched[:3]}"
