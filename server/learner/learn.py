"""The one path from a logged row to learning: the live learner, its restart replay and `attune evaluate` call it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from online_learning.join import PendingDecision
from server.storage.rows import DecisionRow

if TYPE_CHECKING:
    from online_learning.learner import OnlineLearner
    from server.storage.rows import EventRow


def learn_row(learner: OnlineLearner, row: DecisionRow | EventRow) -> None:
    """Feed one committed row, in log order, to the learner.

    Time is the log's own clock: windows that closed before the row's instant close first, so a response
    logged at the very instant a window closes still counts, as results count it (server/storage/rollup.py).
    An event teaches only a decision of the site it was sent for.
    """
    if isinstance(row, DecisionRow):
        learner.advance(row.decided_at - 1)
        learner.add_decision(PendingDecision(
            row.decision_id, row.site, row.block, row.variant, row.learned_features(), row.decided_at,
            row.window_ms, row.feedback,
        ))
    elif row.decision_id is not None:
        learner.advance(row.received_at - 1)
        learner.add_event(row.decision_id, row.type, row.value, at=row.received_at, site=row.site)
    learner.last_seq = row.seq
