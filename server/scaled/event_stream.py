"""An edge's events into the stream: acknowledged (202) only once Redis took them, duplicates counted exactly.

The edge cannot check that a named decision exists (the learner holds them): such an event is
forwarded, and the learner's writer stores it or counts it unmatched there, as in embedded mode.
So an edge's 202 counts it in `accepted`, where the embedded server would say `unmatched`.
"""

from __future__ import annotations

import logging

import redis.asyncio as aioredis
import redis.exceptions
from litestar.exceptions import ServiceUnavailableException

from server import metrics
from server.scaled.decision_stream import DecisionStream
from server.scaled.shared_rate_limit import SharedEventRateLimit
from server.scaled.stream import ADD_EVENTS, EVENT_ID_TTL_S, STREAM, encode_rows
from server.storage.rows import DecisionRow, EventRow
from server.storage.writer import Stored

RETRY_AFTER_S = 1
NEW = ord("1")  # ADD_EVENTS's mark for an event not seen before (a byte of its reply)

log = logging.getLogger("attune.scaled")


def unavailable() -> ServiceUnavailableException:
    return ServiceUnavailableException(
        "the event stream is unreachable; nothing was accepted, retry with the same ids",
        headers={"retry-after": str(RETRY_AFTER_S)})


class StreamEventSink:
    """What the events route calls `writer` at an edge: `store_events` as the group-commit writer has it."""

    def __init__(self, client: aioredis.Redis, decisions: DecisionStream, rate_limit: SharedEventRateLimit) -> None:
        self.client, self.decisions, self.rate_limit = client, decisions, rate_limit
        self._add_events = client.register_script(ADD_EVENTS)

    async def store_events(self, rows: list[EventRow], *, decisions: list[DecisionRow] = (),
                           recheck: bool = False) -> Stored:
        if not rows:
            return Stored(accepted=0, duplicates=0)
        if not self.decisions.reachable:  # while the spool holds decisions, their events would overtake them
            raise unavailable()
        site = rows[0].site  # one batch is one site's and one visitor's (EventsRequest)
        counters, allowances = self.rate_limit.limits(site=site, visitor=rows[0].visitor)
        args: list = [EVENT_ID_TTL_S, site, len(counters), *allowances]
        for row, encoded in zip(rows, encode_rows(rows)):
            args += [row.id, encoded]
        try:
            new = await self._add_events(keys=[STREAM, *counters], args=args)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
            self.decisions.redis_errors += 1
            metrics.REDIS_ERRORS.labels("events").inc()
            self.decisions.reachable = False  # the watch loop finds when it answers again
            raise unavailable() from None
        except redis.exceptions.ResponseError as error:  # a full Redis (noeviction) refuses writes: try again later
            self.decisions.redis_errors += 1
            metrics.REDIS_ERRORS.labels("events").inc()
            log.error("Redis refused an events batch: %s", error)
            raise unavailable() from None
        if new == -1:
            raise self.rate_limit.refuse(len(rows))
        outcomes: dict[tuple[str, str], int] = {}  # (event type, outcome) -> how many
        for row, flag in zip(rows, new):
            key = (row.type, "accepted" if flag == NEW else "duplicate")
            outcomes[key] = outcomes.get(key, 0) + 1
        metrics.count_events(outcomes)
        accepted = new.count(NEW)
        return Stored(accepted=accepted, duplicates=len(rows) - accepted)
