"""Which site a decision belongs to, asked for every event that names one, in the writer thread."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from server.storage.event_log import EventLog
from server.storage.rows import DecisionRow, EventRow

RECENT_S = 10.0  # how long the writer remembers the decisions it committed, for events that follow them
MAX_LOOKUPS_PER_GROUP = 256  # decisions looked up in the log per group; the rest of a flood counts as unmatched


class DecisionSites:
    """Which site each decision named by an event belongs to: an event for an unknown decision, or for
    another site's, is not stored. Asked in the writer thread, where every decision queued before an event
    is either in the same group or already committed."""

    def __init__(self, log_: EventLog, *, pending_site: Callable[[str], str | None]) -> None:
        self._log = log_
        self._pending_site = pending_site  # the learner's reward join: every decision it may still learn
        self._recent: dict[str, str] = {}  # committed in the last RECENT_S, in case the learner has not caught up
        self._recent_groups: deque[tuple[float, list[str]]] = deque()

    def resolve(self, cursor, decisions: list[DecisionRow], events: list[EventRow]) -> dict[str, str]:
        wanted = {e.decision_id for e in events if e.decision_id is not None}
        if not wanted:
            return {}
        found = {d.decision_id: d.site for d in decisions if d.decision_id in wanted}
        lookups = 0
        for decision_id in wanted - found.keys():
            site = self._recent.get(decision_id) or self._pending_site(decision_id)
            if site is None and lookups < MAX_LOOKUPS_PER_GROUP:
                lookups += 1  # older decisions: late ratings still suppress what the visitor rated down
                logged = self._log.find_decision(cursor, decision_id)
                site = logged.site if logged is not None else None
            if site is not None:
                found[decision_id] = site
        return found

    def committed(self, decisions: list[DecisionRow]) -> None:
        now = time.monotonic()
        if decisions:
            group = {d.decision_id: d.site for d in decisions}
            self._recent.update(group)
            self._recent_groups.append((now, list(group)))
        while self._recent_groups and self._recent_groups[0][0] < now - RECENT_S:
            for decision_id in self._recent_groups.popleft()[1]:
                self._recent.pop(decision_id, None)
