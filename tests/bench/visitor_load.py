"""Drive a running `attune serve` with the simulated visitors, through /v1/decide and /v1/events only.

Visitors are released at their arrival times (open loop); each decision's impression is sent
at once, its click and rating when their delays have passed, batched as a widget's event
queue would batch them. Returns which variant the server chose for each visitor.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time

import msgspec
import numpy as np

from tests.bench import loadgen
from tests.bench.common import HOST
from tests.bench.visitors import REWARD_WINDOW, Stream

DECIDE_CONNECTIONS = 8
EVENTS_EVERY = 0.01  # seconds between event posts: the delay a widget's queue adds
MAX_EVENTS_PER_POST = 100  # the API's limit
LATE_FOR_GOOD = 3 * REWARD_WINDOW  # clicks later than this are never sent: the join would ignore them anyway


async def drive(port: int | list[int], stream: Stream, variants: list[str], *, site: str, block: str) -> dict:
    ports = [port] if isinstance(port, int) else port  # scaled mode: visitors spread over the edges
    count = len(stream)
    chosen = np.full(count, -1, dtype=np.intp)
    due: list[tuple[float, int, dict]] = []  # (send at, tie-break, event)
    order = itertools.count()
    queue: asyncio.Queue[int] = asyncio.Queue()
    stats = {"failed": 0, "behind_s": 0.0}
    start = time.perf_counter() + 0.05

    async def decider(port: int) -> None:
        connection = await loadgen.Connection(HOST, port).open()
        while True:
            i = await queue.get()
            body = msgspec.json.encode({"site": site, "visitor": f"sim-{i:07d}", "blocks": [block],
                                        "context": stream.contexts[i]})
            status, reply = await connection.request(loadgen.post(HOST, port, "/v1/decide", body))
            if status != 200:
                stats["failed"] += 1
                queue.task_done()
                continue
            decision = msgspec.json.decode(reply)["decisions"][0]
            k = chosen[i] = variants.index(decision["variant"])
            shown, decision_id = time.perf_counter(), decision["decision_id"]
            heapq.heappush(due, (shown, next(order), {"type": "impression", "decision_id": decision_id}))
            if stream.clicks[i, k] and stream.click_delay[i] < LATE_FOR_GOOD:
                heapq.heappush(due, (shown + stream.click_delay[i], next(order),
                                     {"type": "click", "decision_id": decision_id}))
            if stream.ratings[i, k] and stream.rating_delay[i] < LATE_FOR_GOOD:
                heapq.heappush(due, (shown + stream.rating_delay[i], next(order),
                                     {"type": "rating", "decision_id": decision_id, "value": int(stream.ratings[i, k])}))
            queue.task_done()

    async def sender(port: int, finished: asyncio.Event) -> None:
        connection = await loadgen.Connection(HOST, port).open()
        while not (finished.is_set() and not due):
            await asyncio.sleep(EVENTS_EVERY)
            now, batch = time.perf_counter(), []
            while due and due[0][0] <= now and len(batch) < MAX_EVENTS_PER_POST:
                event = heapq.heappop(due)[2]
                batch.append({"id": f"{site}-e{next(order):09d}", **event})  # unique per site: runs may share a server
            if batch:
                body = msgspec.json.encode({"site": site, "events": batch})
                status, _ = await connection.request(loadgen.post(HOST, port, "/v1/events", body))
                stats["failed"] += status != 202

    finished = asyncio.Event()
    senders = [asyncio.create_task(sender(ports[n % len(ports)], finished)) for n in range(2)]
    deciders = [asyncio.create_task(decider(ports[n % len(ports)])) for n in range(DECIDE_CONNECTIONS)]
    for i in range(count):  # release each visitor at its arrival time
        wait = start + stream.arrive[i] - time.perf_counter()
        if wait > 0.001:
            await asyncio.sleep(wait)
        stats["behind_s"] = max(stats["behind_s"], -wait)
        queue.put_nowait(i)
    await queue.join()
    finished.set()
    await asyncio.gather(*senders)
    for task in deciders:
        task.cancel()
    stats["seconds"] = time.perf_counter() - start
    return {"chosen": chosen, **stats}
